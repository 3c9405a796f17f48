import GuestCapCore

/// The QEMU command that probes a guest given as a QEMU command line: the same binary with the
/// same `-cpu`, accelerator and machine type, and nothing else of the guest (no disks, network
/// or devices), booting the probe kernel with 1 vCPU and 32 MiB.
public struct QEMUProbeCommand: Sendable, Equatable {
    /// The guest's QEMU binary (argv[0]).
    public var binary: String
    /// The last `-cpu` value, when there is one (QEMU uses the last).
    public var cpu: String?
    /// The machine type and its options, without those that refer to the guest's other objects.
    public var machine: String?
    /// `-accel` values in order, `kvm` for `-enable-kvm`.
    public var accelerators: [String]

    /// Reads an `.args` file (shell words) or a `/proc/PID/cmdline` (NUL-separated).
    /// - Throws: ``GuestConfigError`` when the bytes are not an x86 QEMU command line.
    public init(commandLine bytes: [UInt8]) throws(GuestConfigError) {
        var words: [String]
        if bytes.contains(0) {
            words = []
            for part in bytes.split(separator: 0) { words.append(try ConfigText.decodeUTF8(Array(part))) }
        } else {
            words = try ShellWords.split(try ConfigText.decodeUTF8(bytes)).map(\.text)
            // VAR=value assignments before the binary, as virsh prints them; skipped by index
            // (removing them one by one from the front is quadratic).
            let command =
                words.firstIndex { $0.hasPrefix("/") || !$0.contains("=") || $0.hasPrefix("-") } ?? words.endIndex
            words = Array(words[command...])
        }
        guard let argv0 = words.first, QEMUCommandLineParser.isX86QEMU(argv0) else {
            throw .otherKind("not an x86 QEMU command line")
        }
        binary = argv0
        accelerators = []
        var i = 1
        while i < words.count {
            let option = words[i].hasPrefix("--") ? String(words[i].dropFirst()) : words[i]
            let value: String? = i + 1 < words.count ? words[i + 1] : nil
            switch option {
            case "-cpu": cpu = value
            case "-machine", "-M": machine = value.map(Self.probeMachine)
            case "-accel": if let value { accelerators.append(value) }
            case "-enable-kvm":
                accelerators.append("kvm")
                i += 1
                continue
            default: break
            }
            i += (value.map { !$0.hasPrefix("-") } ?? false) ? 2 : 1
        }
    }

    /// The probe's arguments (without argv[0]).
    /// - Parameters:
    ///   - kernel: The probe kernel.
    ///   - serialLog: The file the first serial port goes to.
    public func arguments(kernel: String, serialLog: String) -> [String] {
        var args = [
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-m", "32", "-smp", "1",
        ]
        if let machine { args += ["-machine", machine] }
        for accel in accelerators { args += ["-accel", accel] }
        if let cpu { args += ["-cpu", cpu] }
        args += ["-kernel", kernel, "-serial", "file:" + serialLog, "-device", "isa-debug-exit"]
        return args
    }

    /// Which accelerator QEMU will use, for people: `kvm`, `tcg`, or QEMU's default.
    public var acceleratorDescription: String {
        if let first = accelerators.first { return first.split(separator: ",").first.map(String.init) ?? first }
        if let accel = machine?.split(separator: ",").first(where: { $0.hasPrefix("accel=") }) {
            return String(accel.dropFirst("accel=".count))
        }
        return "QEMU's default (tcg)"
    }

    // memory-backend= and the like name objects the guest's command line defines and the
    // probe does not; everything else (type, accel=, smm=, …) stays as the guest has it.
    private static func probeMachine(_ value: String) -> String {
        let dropped = [
            "memory-backend", "memory-encryption", "confidential-guest-support", "pflash0", "pflash1", "nvdimm",
        ]
        return value.split(separator: ",", omittingEmptySubsequences: false).filter { part in
            !dropped.contains { part.hasPrefix($0 + "=") }
        }.joined(separator: ",")
    }
}
