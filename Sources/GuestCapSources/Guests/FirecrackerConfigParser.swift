import Foundation
import GuestCapCore

/// Reads Firecracker VM configuration files (`--config-file`) and custom CPU template files
/// into ``GuestConfig``s (reference §4, policy-model §2). A Firecracker file names no guest:
/// the name is the file name without its extension, the UUID nil.
public enum FirecrackerConfigParser {
    /// What a Firecracker JSON document is.
    public enum DocumentKind: Sendable, Equatable {
        /// A VM configuration (`machine-config`, `cpu-config`, `boot-source`).
        case vmConfig
        /// A custom CPU template (`msr_modifiers`, `cpuid_modifiers`, `kvm_capabilities`).
        case cpuTemplate
    }

    /// Reads a file a VM configuration refers to (its custom template); the loader passes its
    /// size-capped reader that refuses FIFOs and devices.
    public typealias FileReader = (String) throws -> [UInt8]

    /// The MSR this project is about.
    private static let archCapabilities: UInt64 = UInt64(ArchCapCatalog.msrIndex)

    /// Recognises a Firecracker document from its top-level keys; nil for any other JSON.
    public static func kind(ofKeys keys: some Sequence<String>) -> DocumentKind? {
        let keys = Set(keys)
        if !keys.isDisjoint(with: ["machine-config", "cpu-config", "boot-source"]) { return .vmConfig }
        if !keys.isDisjoint(with: [
            "msr_modifiers", "cpuid_modifiers", "kvm_capabilities", "reg_modifiers",
            "vcpu_features",
        ]) {
            return .cpuTemplate
        }
        return nil
    }

    /// An aarch64 template modifies registers and vCPU features, never CPUID or MSRs.
    static func isAArch64Template(_ template: [String: Any]) -> Bool {
        let keys = Set(template.keys)
        return !keys.isDisjoint(with: ["reg_modifiers", "vcpu_features"])
            && keys.isDisjoint(with: ["cpuid_modifiers", "msr_modifiers"])
    }

    private static let notX86 =
        "not an x86 guest (a Firecracker aarch64 CPU template: reg_modifiers/vcpu_features, "
        + "no cpuid or msr modifiers): MSR 0x10a does not exist there"

    /// Parses a VM configuration or a custom CPU template.
    /// - Parameter hashContents: Whether to compute ``GuestConfig/contentHash`` (over the
    ///   configuration and the `cpu-config` file it names); when false it is empty.
    /// - Throws: ``GuestConfigError``: `.otherKind` for JSON that is not Firecracker's,
    ///   `.malformed` for bad JSON, a bad bitmap, an unknown template or an unreadable `cpu-config` file.
    public static func parse(
        _ bytes: [UInt8], path: String, hashContents: Bool = true,
        readFile: FileReader
    ) throws(GuestConfigError) -> GuestConfig {
        let json = try JSONText.decode(bytes)
        guard let object = json as? [String: Any], let kind = kind(ofKeys: object.keys) else {
            throw .otherKind(
                "a JSON document that is neither a Firecracker VM configuration nor a CPU template "
                    + "(no machine-config, cpu-config, boot-source, msr_modifiers or cpuid_modifiers)")
        }
        // What the hash covers: the file, and a VM configuration's cpu-config file after it.
        var hashed = bytes
        let cpu: GuestCPUConfig
        switch kind {
        case .cpuTemplate:
            if isAArch64Template(object) { throw .otherKind(notX86) }
            var locator = Locator(bytes: bytes)
            let ops = try templateOperations(object, locator: &locator, prefix: "")
            cpu = GuestCPUConfig(
                base: .kvmDefault(label: "Firecracker custom template"),
                baseOrigin: ConfigOrigin("custom CPU template \(lastComponent(path))"),
                operations: ops)
        case .vmConfig:
            cpu = try vmCPU(object, bytes: bytes, path: path, readFile: readFile, hashed: &hashed)
        }
        return GuestConfig(
            source: .firecracker, path: path, name: fileStem(path), cpu: cpu,
            contentHash: hashContents ? SHA256.hex(of: hashed) : "")
    }

    // MARK: - VM configuration

    /// The CPU of a VM configuration. A custom template (`cpu-config`) wins over a static one,
    /// as in Firecracker, which applies `cpu-config` after `machine-config`.
    private static func vmCPU(
        _ object: [String: Any], bytes: [UInt8], path: String, readFile: FileReader,
        hashed: inout [UInt8]
    ) throws(GuestConfigError) -> GuestCPUConfig {
        var locator = Locator(bytes: bytes)
        let cpuConfigLine = locator.line(of: "\"cpu-config\"")
        switch object["cpu-config"] {
        case nil, is NSNull:
            break
        case let inline as [String: Any]:
            if isAArch64Template(inline) { throw .otherKind(notX86) }
            let ops = try templateOperations(inline, locator: &locator, prefix: "")
            return GuestCPUConfig(
                base: .kvmDefault(label: "Firecracker custom template"),
                baseOrigin: ConfigOrigin("\"cpu-config\": {…}", line: cpuConfigLine), operations: ops)
        case let file as String:
            let templatePath = file.hasPrefix("/") ? file : directory(of: path) + file
            let templateBytes: [UInt8]
            do { templateBytes = try readFile(templatePath) } catch {
                throw .malformed("its cpu-config template cannot be read: \(error)", line: cpuConfigLine)
            }
            hashed += templateBytes  // the guest's configuration includes the template
            do throws(GuestConfigError) {
                guard let template = try JSONText.decode(templateBytes) as? [String: Any] else {
                    throw GuestConfigError.malformed("is not a JSON object")
                }
                if isAArch64Template(template) { throw GuestConfigError.otherKind(notX86) }
                var templateLocator = Locator(bytes: templateBytes)
                let ops = try templateOperations(
                    template, locator: &templateLocator, prefix: lastComponent(templatePath) + ": ")
                return GuestCPUConfig(
                    base: .kvmDefault(label: "Firecracker custom template"),
                    baseOrigin: ConfigOrigin("\"cpu-config\": \"\(file)\"", line: cpuConfigLine),
                    operations: ops)
            } catch {
                if error.kind == .otherKind { throw error }
                throw .malformed("its cpu-config template \(templatePath): \(error)", line: cpuConfigLine)
            }
        default:
            throw .malformed("\"cpu-config\" is neither a file name nor a template object", line: cpuConfigLine)
        }

        let templateLine = locator.line(of: "\"cpu_template\"")
        switch object["machine-config"] {
        case nil, is NSNull:
            break
        case let machine as [String: Any]:
            switch machine["cpu_template"] {
            case nil, is NSNull:
                break
            case let name as String:
                guard let template = FirecrackerTemplate(name: name) else {
                    let known = FirecrackerTemplate.allCases.map(\.rawValue).joined(separator: ", ")
                    throw .malformed(
                        "machine-config cpu_template '\(name)' is not a Firecracker x86 template (\(known))",
                        line: templateLine)
                }
                return template.cpuConfig(origin: ConfigOrigin("\"cpu_template\": \"\(name)\"", line: templateLine))
            default:
                throw .malformed("machine-config cpu_template is not a string", line: templateLine)
            }
        default:
            throw .malformed("\"machine-config\" is not an object", line: locator.line(of: "\"machine-config\""))
        }
        return GuestCPUConfig(
            base: .kvmDefault(label: "Firecracker, no CPU template"),
            baseOrigin: ConfigOrigin("no CPU template: KVM's default"))
    }

    // MARK: - Custom template

    /// The operations a template applies: `msr_modifiers` for 0x10a, and the
    /// `arch-capabilities` CPUID bit (leaf 0x7 subleaf 0 `edx` bit 29) from `cpuid_modifiers`.
    /// Every bitmap is checked, as Firecracker refuses a template with any bad one.
    private static func templateOperations(
        _ template: [String: Any], locator: inout Locator,
        prefix: String
    ) throws(GuestConfigError) -> [CPUOperation] {
        var ops: [CPUOperation] = []

        for (i, cpuid) in try list(template["cpuid_modifiers"], "cpuid_modifiers").enumerated() {
            guard let leaf = JSONText.integer(cpuid["leaf"]), let subleaf = JSONText.integer(cpuid["subleaf"] ?? "0")
            else {
                throw .malformed("cpuid_modifiers[\(i)] has no valid leaf and subleaf")
            }
            for (j, modifier) in try list(cpuid["modifiers"], "cpuid_modifiers[\(i)].modifiers").enumerated() {
                let register = modifier["register"] as? String ?? ""
                guard let text = modifier["bitmap"] as? String else {
                    throw .malformed("cpuid_modifiers[\(i)].modifiers[\(j)] has no bitmap")
                }
                let line = locator.line(of: "\"\(text)\"")
                let bitmap: FirecrackerBitmap
                do throws(GuestConfigError) { bitmap = try FirecrackerBitmap(text, width: 32) } catch {
                    throw .malformed(error.reason, line: line)
                }
                guard leaf == 7, subleaf == 0, register.lowercased() == "edx", let on = bitmap.state(ofBit: 29) else {
                    continue
                }
                let origin = ConfigOrigin(
                    "\(prefix)cpuid leaf 0x7 subleaf 0x0 edx \"\(text)\" (arch-capabilities \(on ? "on" : "off"))",
                    line: line)
                ops.append(CPUOperation(.visible(on), origin: origin))
            }
        }

        for (i, msr) in try list(template["msr_modifiers"], "msr_modifiers").enumerated() {
            guard let addr = JSONText.integer(msr["addr"]) else {
                throw .malformed("msr_modifiers[\(i)] has no valid addr")
            }
            guard let text = msr["bitmap"] as? String else { throw .malformed("msr_modifiers[\(i)] has no bitmap") }
            let line = locator.line(of: "\"\(text)\"")
            let bitmap: FirecrackerBitmap
            do throws(GuestConfigError) { bitmap = try FirecrackerBitmap(text, width: 64) } catch {
                throw .malformed(error.reason, line: line)
            }
            guard addr == archCapabilities else { continue }
            let origin = ConfigOrigin("\(prefix)msr_modifiers 0x10a \"\(text)\"", line: line)
            if bitmap.clear != 0 {
                ops.append(CPUOperation(.clear(CapabilitySet(rawValue: bitmap.clear)), origin: origin))
            }
            if bitmap.set != 0 { ops.append(CPUOperation(.set(CapabilitySet(rawValue: bitmap.set)), origin: origin)) }
        }
        return ops
    }

    private static func list(_ value: Any?, _ what: String) throws(GuestConfigError) -> [[String: Any]] {
        switch value {
        case nil, is NSNull: return []
        case let items as [Any]:
            return try items.map { (item: Any) throws(GuestConfigError) -> [String: Any] in
                guard let object = item as? [String: Any] else {
                    throw .malformed("\(what) holds something that is not an object")
                }
                return object
            }
        default: throw .malformed("\(what) is not a list")
        }
    }

    // MARK: - Paths and lines

    private static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    private static func fileStem(_ path: String) -> String {
        let file = lastComponent(path)
        guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file }
        return String(file[..<dot])
    }

    /// The folder of a path with a trailing slash (`./` for a bare file name).
    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "./" }
        return String(path[...slash])
    }

    /// Finds where strings appear in the JSON text, counting repeats so the n-th use of a
    /// bitmap gets the n-th occurrence's line (the first one's when it is used more often).
    /// The string literals are indexed once, in one pass: searching the text again for each
    /// use made a file with many modifiers take quadratic time (fuzz-regressions).
    private struct Locator {
        /// Each string literal as written, quotes included → the lines it starts on, in order.
        private let lines: [String: [Int]]
        private var seen: [String: Int] = [:]

        init(bytes: [UInt8]) {
            lines = Self.index(bytes)
        }

        mutating func line(of needle: String) -> Int? {
            guard let found = lines[needle] else { return nil }
            let n = seen[needle, default: 0]
            seen[needle] = n + 1
            return n < found.count ? found[n] : found[0]
        }

        private static func index(_ bytes: [UInt8]) -> [String: [Int]] {
            var out: [String: [Int]] = [:]
            var line = 1
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "\n") { line += 1 }
                guard b == UInt8(ascii: "\"") else {
                    i += 1
                    continue
                }
                let start = i
                let startLine = line
                i += 1
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\") { i += 1 } else if bytes[i] == UInt8(ascii: "\n") { line += 1 }
                    i += 1
                }
                guard i < bytes.count else { break }
                i += 1
                out[String(decoding: bytes[start..<i], as: UTF8.self), default: []].append(startLine)
            }
            return out
        }
    }
}
