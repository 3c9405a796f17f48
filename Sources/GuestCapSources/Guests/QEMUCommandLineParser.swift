import GuestCapCore

/// Reads a QEMU command line (an `.args` file or `/proc/PID/cmdline`) into a ``GuestConfig``:
/// the `-cpu` option per policy-model §2, the guest's name from `-name` and UUID from `-uuid`.
public enum QEMUCommandLineParser {
    /// Parses an `.args` file: one shell-quoted command line, possibly with leading
    /// `VAR=value` assignments and backslash-newline continuations.
    /// - Parameter hashContents: Whether to compute ``GuestConfig/contentHash``; when false it is empty.
    /// - Throws: ``GuestConfigError`` (`.otherKind` when the command is not an x86 QEMU).
    public static func parseArgs(
        _ bytes: [UInt8], path: String,
        hashContents: Bool = true
    ) throws(GuestConfigError) -> GuestConfig {
        let text = try ConfigText.decodeUTF8(bytes)
        let words = try ShellWords.split(text)
        guard !words.isEmpty else { throw .malformed("is empty: no command line") }
        // Environment assignments come before the binary, as virsh prints them. Skipped by
        // index: removing them one by one from the front is quadratic (fuzz-regressions).
        guard let command = words.firstIndex(where: { !isAssignment($0.text) }) else {
            throw .otherKind("not a QEMU command line: only environment assignments")
        }
        return try config(
            words: Array(words[command...]), bytes: bytes, path: path, pid: nil,
            hashContents: hashContents)
    }

    /// Parses `/proc/PID/cmdline`: NUL-separated arguments, no lines.
    /// - Parameter hashContents: Whether to compute ``GuestConfig/contentHash``; when false it is empty.
    /// - Throws: ``GuestConfigError`` (`.otherKind` when the process is not an x86 QEMU).
    public static func parseCmdline(
        _ bytes: [UInt8], path: String, pid: Int?,
        hashContents: Bool = true
    ) throws(GuestConfigError) -> GuestConfig {
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        if parts.last?.isEmpty == true { parts.removeLast() }
        guard !parts.isEmpty else { throw .otherKind("not a QEMU command line: empty") }
        var words: [ShellWord] = []
        for part in parts {
            let text = try ConfigText.decodeUTF8(Array(part))
            words.append(ShellWord(text: text, line: 0))
        }
        return try config(words: words, bytes: bytes, path: path, pid: pid, hashContents: hashContents)
    }

    /// Whether an argv[0] names a QEMU that emulates x86 (`qemu-system-x86_64…`, `qemu-system-i386`, `qemu-kvm`).
    public static func isX86QEMU(_ argv0: String) -> Bool {
        let base = basename(argv0)
        return base.hasPrefix("qemu-system-x86_64") || base.hasPrefix("qemu-system-i386") || base == "qemu-kvm"
    }

    // MARK: - Command line

    private static func config(
        words: [ShellWord], bytes: [UInt8], path: String,
        pid: Int?, hashContents: Bool
    ) throws(GuestConfigError) -> GuestConfig {
        let argv0 = words[0].text
        guard isX86QEMU(argv0) else {
            if basename(argv0).hasPrefix("qemu-system-") {
                throw .otherKind("not an x86 guest (\(basename(argv0))): MSR 0x10a does not exist there")
            }
            throw .otherKind("not a QEMU command line: it runs '\(argv0)'")
        }
        var cpu: ShellWord?
        var name: String?
        var uuid: String?
        var machine: String?
        // QEMU's default accelerator is TCG; RHEL's qemu-kvm defaults to KVM. The first -accel wins.
        var accelerator: Accelerator? = basename(argv0) == "qemu-kvm" ? .kvm : nil
        var i = 1
        while i < words.count {
            let word = words[i].text
            guard word.hasPrefix("-") else {
                i += 1
                continue
            }
            let option = word.hasPrefix("--") ? String(word.dropFirst()) : word
            let value = i + 1 < words.count ? words[i + 1] : nil
            switch option {
            case "-enable-kvm":
                accelerator = accelerator ?? .kvm
                i += 1
            case "-cpu", "-name", "-uuid", "-accel", "-machine", "-M":
                guard let value else { throw .malformed("\(option) has no value", line: lineOf(words[i])) }
                if option == "-cpu" { cpu = value }  // QEMU keeps the last -cpu
                if option == "-name" { name = guestName(value.text) }
                if option == "-uuid" { uuid = value.text }
                if option == "-accel" { accelerator = accelerator ?? Self.accelerator(value.text, keyed: false) }
                if option == "-machine" || option == "-M" {
                    let parts = splitOptions(value.text)
                    if let first = parts.first, !first.contains("=") { machine = first }
                    for part in parts where part.hasPrefix("type=") { machine = String(part.dropFirst(5)) }
                    accelerator = accelerator ?? Self.accelerator(value.text, keyed: true)
                }
                i += 2
            default:
                // Skip the option's argument when it has one; an option never starts a value with '-'.
                i += (value.map { !$0.text.hasPrefix("-") } ?? false) ? 2 : 1
            }
        }
        var guestCPU = GuestCPUConfig(
            base: .qemuDefault, baseOrigin: ConfigOrigin("no -cpu option: QEMU's default CPU"))
        if let cpu { guestCPU = try cpuConfig(cpu.text, line: lineOf(cpu)) }
        guestCPU.machine = machine
        return GuestConfig(
            source: .qemu, path: path, name: name, uuid: uuid, cpu: guestCPU, pid: pid,
            accelerator: accelerator ?? .tcg, contentHash: hashContents ? SHA256.hex(of: bytes) : "")
    }

    /// The accelerator an `-accel` value (`kvm`, `kvm,thread=…`, `accel=kvm:tcg`) or a `-machine`
    /// value (`q35,accel=kvm`) names first; nil when it names none.
    private static func accelerator(_ value: String, keyed: Bool) -> Accelerator? {
        let parts = splitOptions(value)
        var names: [String] = []
        if !keyed, let first = parts.first, !first.contains("=") { names.append(first) }
        for part in parts where part.hasPrefix("accel=") { names.append(String(part.dropFirst(6))) }
        guard let first = names.first?.split(separator: ":").first else { return nil }
        return first == "kvm" ? .kvm : .tcg
    }

    private static func lineOf(_ word: ShellWord) -> Int? { word.line > 0 ? word.line : nil }

    private static func basename(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    private static func isAssignment(_ word: String) -> Bool {
        guard let eq = word.firstIndex(of: "="), eq != word.startIndex else { return false }
        let name = word[..<eq]
        guard let first = name.first, first == "_" || first.isASCII && first.isLetter else { return false }
        return name.allSatisfy { $0 == "_" || $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// `guest=NAME,…` or `NAME,…`.
    private static func guestName(_ value: String) -> String? {
        let parts = splitOptions(value)
        if let first = parts.first, !first.contains("=") { return first.isEmpty ? nil : first }
        for part in parts where part.hasPrefix("guest=") { return String(part.dropFirst(6)) }
        return nil
    }

    /// QEMU's option syntax: elements separated by `,`, a doubled `,,` is a literal comma.
    static func splitOptions(_ value: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var chars = Array(value)[...]
        while let c = chars.popFirst() {
            if c == "," {
                if chars.first == "," {
                    current.append(",")
                    chars = chars.dropFirst()
                    continue
                }
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        return parts
    }

    // MARK: - -cpu

    /// What one `-cpu` property name means here.
    private enum Feature {
        case bits(CapabilitySet)
        case visibility
        case other
    }

    private static func feature(_ raw: String) -> Feature {
        // QEMU accepts `_` for `-` in feature names.
        let name = String(raw.map { $0 == "_" ? "-" : $0 })
        if ArchCapCatalog.isVisibilityFeature(name) { return .visibility }
        // Reserved `bitN` names are not QEMU properties; only defined bits count.
        if let bit = ArchCapCatalog.bit(named: name), bit.kernelName != nil {
            return .bits(CapabilitySet(rawValue: bit.mask))
        }
        return .other
    }

    private static func bool(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "on", "true", "yes", "y": return true
        case "off", "false", "no", "n": return false
        default: return nil
        }
    }

    /// Reads a `-cpu` value; `written` is how the origin is shown when it is not a plain command line
    /// (libvirt's `<qemu:arg>`).
    static func cpuConfig(_ text: String, line: Int?, written: String? = nil) throws(GuestConfigError) -> GuestCPUConfig
    {
        let parts = splitOptions(text)
        let model = parts[0]
        guard !model.isEmpty else { throw .malformed("-cpu '\(text)' names no CPU model", line: line) }
        let base: CPUBase =
            (model == "host" || model == "max") ? .kvmDefault(label: "-cpu \(model)") : .model(name: model)
        let baseOrigin = ConfigOrigin(written ?? "-cpu \(text)", line: line)
        var strict: ConfigOrigin?

        // QEMU applies `name=on|off` in order, then every `+name`, then every `-name` (minus wins).
        var ordered: [CPUOperation] = []
        var plus: [CPUOperation] = []
        var minus: [CPUOperation] = []
        for token in parts.dropFirst() where !token.isEmpty {
            let origin = ConfigOrigin(written ?? "-cpu \(model),\(token)", line: line)
            if token == "enforce" || token == "enforce=on" {
                strict = ConfigOrigin("-cpu \(model),enforce", line: line)
                continue
            }
            if token.hasPrefix("+") || token.hasPrefix("-") {
                let on = token.hasPrefix("+")
                let op: CPUOperation.Step?
                switch feature(String(token.dropFirst())) {
                case .bits(let bits): op = on ? .set(bits) : .clear(bits)
                case .visibility: op = .visible(on)
                case .other: op = nil
                }
                if let op, on { plus.append(CPUOperation(op, origin: origin)) }
                if let op, !on { minus.append(CPUOperation(op, origin: origin)) }
                continue
            }
            let key: String
            let value: String
            if let eq = token.firstIndex(of: "=") {
                key = String(token[..<eq])
                value = String(token[token.index(after: eq)...])
            } else {
                key = token
                value = "on"  // a bare feature name means name=on
            }
            let meaning = feature(key)
            if case .other = meaning { continue }
            guard let on = bool(value) else {
                throw .malformed("-cpu property '\(token)' is neither on nor off", line: line)
            }
            switch meaning {
            case .bits(let bits): ordered.append(CPUOperation(on ? .set(bits) : .clear(bits), origin: origin))
            case .visibility: ordered.append(CPUOperation(.visible(on), origin: origin))
            case .other: break
            }
        }
        return GuestCPUConfig(
            base: base, baseOrigin: baseOrigin, operations: ordered + plus + minus, strictCheck: strict)
    }
}
