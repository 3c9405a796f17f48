import Foundation
import Glibc
import GuestCapCore
import SystemPackage

/// Finds and reads guest configurations: files named explicitly, folders (policy-model §5) and
/// running QEMU processes. The `check` command and the daemon both go through it.
public struct GuestConfigLoader: Sendable {
    /// What the loader refuses to read.
    public let limits: ReadLimits
    /// Whether configurations get a ``GuestConfig/contentHash``; only the history store needs one.
    public let hashContents: Bool

    /// Creates a loader.
    /// - Parameter hashContents: false leaves every ``GuestConfig/contentHash`` empty and saves
    ///   hashing each file (`guestcap check` keeps no history).
    public init(limits: ReadLimits = ReadLimits(), hashContents: Bool = true) {
        self.limits = limits
        self.hashContents = hashContents
    }

    private var reader: ConfigFileReader { ConfigFileReader(maxBytes: limits.maxBytes) }

    // MARK: - Files

    /// A path named explicitly: read whatever its name; kind from content.
    /// `sourceHint` decides libvirt vs libvirt-live for a `<domain>` (a `<domstatus>` is always live)
    /// and the source reported when the file cannot be read.
    public func load(path: String, sourceHint: GuestSource? = nil) -> [LoadOutcome] {
        let bytes: [UInt8]
        do { bytes = try reader.read(path) } catch {
            return [
                .unreadable(
                    path: path, source: guessSource(path, hint: sourceHint, content: nil), error: error.description)
            ]
        }
        let kind = ContentKind(bytes)
        do throws(GuestConfigError) {
            let config: GuestConfig
            switch kind {
            case .empty:
                throw GuestConfigError.malformed("is empty")
            case .xml:
                config = try LibvirtDomainParser.parse(
                    bytes, path: path, sourceHint: sourceHint,
                    hashContents: hashContents)
            case .json:
                let reader = self.reader
                config = try FirecrackerConfigParser.parse(bytes, path: path, hashContents: hashContents) {
                    (file: String) throws -> [UInt8] in
                    try reader.read(file)
                }
            case .cmdline:
                config = try QEMUCommandLineParser.parseCmdline(bytes, path: path, pid: nil, hashContents: hashContents)
            case .commandLine:
                config = try QEMUCommandLineParser.parseArgs(bytes, path: path, hashContents: hashContents)
            }
            return [.guest(config)]
        } catch {
            switch error.kind {
            case .otherKind: return [.skipped(path: path, reason: error.reason)]
            case .malformed:
                return [
                    .unreadable(
                        path: path, source: guessSource(path, hint: sourceHint, content: kind),
                        error: "\(path): \(error)")
                ]
            }
        }
    }

    /// A folder per policy-model §5: not descended; candidates `*.xml`/`*.json`/`*.args`;
    /// dot-files and temporaries (`*.new`, `*.tmp`, `*~`) ignored entirely (not even listed).
    /// Sorted by path.
    public func scan(directory: String, sourceHint: GuestSource? = nil) -> [LoadOutcome] {
        // readdir's d_type spares a stat per file; FileManager words the error when it fails.
        guard let entries = Directory.entries(in: directory) else {
            var reason = "cannot be opened"
            do { _ = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
                reason = (error as NSError).localizedDescription
            }
            return [
                .unreadable(
                    path: directory, source: sourceHint ?? .libvirt,
                    error: "\(directory): the folder cannot be listed (\(reason))")
            ]
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        var outcomes: [LoadOutcome] = []
        // Every outcome's path is base + name, so sorting the names sorts the outcomes by path.
        for entry in entries.sorted(by: { $0.name < $1.name }) where Self.isCandidate(fileName: entry.name) {
            let path = base + entry.name
            // A symbolic link or an unknown type is followed with stat, as the file would be opened.
            let isFolder =
                entry.type == UInt8(DT_DIR)
                || (entry.type != UInt8(DT_REG) && (try? FilePath(path).stat())?.type == .directory)
            if isFolder {
                outcomes.append(.skipped(path: path, reason: "is a folder; folders are not descended into"))
                continue
            }
            outcomes += load(path: path, sourceHint: sourceHint)
        }
        return outcomes
    }

    /// Whether a file name in a watched folder is a candidate (the daemon's watcher uses this):
    /// ends in `.xml`, `.json` or `.args`, and is neither a dot-file nor a temporary.
    public static func isCandidate(fileName: String) -> Bool {
        if fileName.hasPrefix(".") || fileName.hasSuffix("~") { return false }
        let lower = fileName.lowercased()
        if lower.hasSuffix(".new") || lower.hasSuffix(".tmp") { return false }
        return lower.hasSuffix(".xml") || lower.hasSuffix(".json") || lower.hasSuffix(".args")
    }

    // MARK: - Processes

    /// Running QEMU processes under `<hostRoot>/proc`: argv[0]'s base name starts with
    /// `qemu-system-x86_64` or is `qemu-kvm`. Other processes are ignored; sorted by pid.
    public func scanProcesses(hostRoot: String) -> [LoadOutcome] {
        var root = hostRoot
        while root.hasSuffix("/") { root.removeLast() }
        let proc = root + "/proc"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: proc) else { return [] }
        var found: [(Int, LoadOutcome)] = []
        for entry in entries {
            guard let pid = Int(entry), pid > 0 else { continue }
            let path = "\(proc)/\(entry)/cmdline"
            // A process that exits meanwhile, or a kernel thread, simply is not a guest.
            guard let bytes = try? reader.read(path), !bytes.isEmpty else { continue }
            let argv0 = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            let base = argv0.split(separator: "/").last.map(String.init) ?? argv0
            guard base.hasPrefix("qemu-system-x86_64") || base == "qemu-kvm" else { continue }
            do {
                let config = try QEMUCommandLineParser.parseCmdline(
                    bytes, path: path, pid: pid,
                    hashContents: hashContents)
                found.append((pid, .guest(config)))
            } catch {
                found.append((pid, .unreadable(path: path, source: .qemu, error: "\(path): \(error)")))
            }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }

    // MARK: - Helpers

    /// The source to report for a file that could not be read: the hint, else the extension,
    /// else what the content looked like.
    private func guessSource(_ path: String, hint: GuestSource?, content: ContentKind?) -> GuestSource {
        if let hint { return hint }
        let lower = path.lowercased()
        if lower.hasSuffix(".xml") { return .libvirt }
        if lower.hasSuffix(".json") { return .firecracker }
        if lower.hasSuffix(".args") || lower.hasSuffix("/cmdline") { return .qemu }
        switch content {
        case .xml: return .libvirt
        case .json: return .firecracker
        default: return .qemu
        }
    }
}
