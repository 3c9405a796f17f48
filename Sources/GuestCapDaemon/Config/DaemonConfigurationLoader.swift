import Foundation
import GuestCapCore
import GuestCapSources
import TOMLKit

/// A daemon configuration file that cannot be used: the file, the line and the key.
public struct DaemonConfigurationError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let key: String
    public let message: String

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : key + ": ")\(message)"
    }
}

/// Reads `guestcap.toml`:
///
/// ```toml
/// host_root = "/"
/// policy = "/etc/guestcap/policy.toml"
/// database = "/var/lib/guestcap/history.sqlite"
/// sample_interval = 300          # seconds
/// process_scan_interval = 30     # seconds; 0 or absent: no /proc scan
/// max_config_bytes = 4194304     # largest configuration file read
///
/// [[watch]]
/// kind = "libvirt"               # libvirt | libvirt-live | qemu | firecracker
/// directory = "/etc/libvirt/qemu"
///
/// [export]
/// textfile = "/var/lib/prometheus/node-exporter/guestcap.prom"
/// ```
///
/// Strict: an unknown key or a value of the wrong type is an error naming line and key.
/// A missing `[[watch]]` list means the stock libvirt directories; an empty one (`watch = []`)
/// means none.
public struct DaemonConfigurationLoader: Sendable {
    /// A loader.
    public init() {}

    /// Reads a file. A missing file at the default path is the defaults; elsewhere it is an error.
    /// - Throws: ``DaemonConfigurationError``.
    public func load(path: String, mustExist: Bool) throws(DaemonConfigurationError) -> DaemonConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            if !mustExist && !FileManager.default.fileExists(atPath: path) { return DaemonConfiguration() }
            throw DaemonConfigurationError(file: path, line: nil, key: "", message: "cannot be read")
        }
        guard let text = String(validating: [UInt8](data), as: UTF8.self) else {
            throw DaemonConfigurationError(file: path, line: nil, key: "", message: "is not UTF-8 text")
        }
        return try load(text: text, path: path)
    }

    /// Parses configuration text as if read from `path`.
    /// - Throws: ``DaemonConfigurationError``.
    public func load(text: String, path: String) throws(DaemonConfigurationError) -> DaemonConfiguration {
        let root: TOMLTable
        // toml++ aborts the process on a few syntax errors instead of reporting them.
        if let problem = TOMLPrecheck.firstFatalProblem(in: text) {
            throw DaemonConfigurationError(file: path, line: problem.line, key: "", message: problem.message)
        }
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw DaemonConfigurationError(
                file: path, line: e.source.begin.line, key: "", message: "TOML syntax: \(e.description)")
        } catch {
            throw DaemonConfigurationError(file: path, line: nil, key: "", message: "TOML syntax: \(error)")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func fail(_ key: String, _ message: String) -> DaemonConfigurationError {
            let name = key.split(separator: ".").last.map(String.init) ?? key
            let line = lines.firstIndex { l in
                let t = l.drop { $0 == " " || $0 == "\t" }
                return t.hasPrefix(name + " ") || t.hasPrefix(name + "=") || t.hasPrefix("[" + name)
                    || t.hasPrefix("[[" + name)
            }.map { $0 + 1 }
            return DaemonConfigurationError(file: path, line: line, key: key, message: message)
        }
        var config = DaemonConfiguration()
        config.file = path
        let allowed = [
            "host_root", "policy", "database", "sample_interval", "process_scan_interval", "max_config_bytes",
            "watch", "export",
        ]
        for key in root.keys where !allowed.contains(key) {
            throw fail(key, "unknown key (known: \(allowed.joined(separator: ", ")))")
        }
        func string(_ t: TOMLTable, _ key: String, _ full: String) throws(DaemonConfigurationError) -> String? {
            guard let v = t[key] else { return nil }
            guard let s = v.string, !s.isEmpty else { throw fail(full, "must be a non-empty string") }
            return s
        }
        func seconds(_ key: String) throws(DaemonConfigurationError) -> Int? {
            guard let v = root[key] else { return nil }
            guard let n = v.int, n >= 0 else { throw fail(key, "must be a whole number of seconds (0 or more)") }
            return n
        }
        if let s = try string(root, "host_root", "host_root") { config.hostRoot = s }
        if let s = try string(root, "policy", "policy") {
            config.policyPath = s
            config.policyRequired = true
        }
        if let s = try string(root, "database", "database") { config.databasePath = s }
        if let n = try seconds("sample_interval") {
            guard n >= 1 else { throw fail("sample_interval", "must be at least 1 second") }
            config.sampleInterval = .seconds(n)
        }
        if let n = try seconds("process_scan_interval") { config.processScanInterval = n == 0 ? nil : .seconds(n) }
        if let v = root["max_config_bytes"] {
            guard let n = v.int, n >= 1 else {
                throw fail("max_config_bytes", "must be a whole number of bytes (1 or more)")
            }
            config.maxConfigBytes = n
        }
        if let w = root["watch"] {
            guard let array = w.array else { throw fail("watch", "must be a list of [[watch]] sections") }
            var sources: [WatchedSource] = []
            for (i, element) in array.enumerated() {
                let at = "watch.\(i + 1)"
                guard let t = element.table else { throw fail("watch", "item \(i + 1) must be a [[watch]] section") }
                for key in t.keys where !["kind", "directory"].contains(key) {
                    throw fail("\(at).\(key)", "unknown key (known: kind, directory)")
                }
                guard let kindText = try string(t, "kind", "\(at).kind") else { throw fail(at, "missing 'kind'") }
                guard let kind = GuestSource(rawValue: kindText) else {
                    throw fail("\(at).kind", "'\(kindText)' is not a kind (libvirt, libvirt-live, qemu, firecracker)")
                }
                guard let dir = try string(t, "directory", "\(at).directory") else {
                    throw fail(at, "missing 'directory'")
                }
                sources.append(WatchedSource(kind: kind, directory: dir))
            }
            config.sources = sources
        }
        if let e = root["export"] {
            guard let t = e.table else { throw fail("export", "must be an [export] section") }
            for key in t.keys where key != "textfile" { throw fail("export.\(key)", "unknown key (known: textfile)") }
            config.textfilePath = try string(t, "textfile", "export.textfile")
        }
        return config
    }
}
