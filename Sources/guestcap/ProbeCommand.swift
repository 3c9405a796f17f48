import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapSources

/// `guestcap probe`: boot a throwaway guest configured like each given one and compare what its
/// CPU says with guestcap's G.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Boot a throwaway guest with each configuration's CPU and compare what it reads with guestcap's G.",
        discussion: """
            For each guest, guestcap computes G (what the guest is told in MSR 0x10a, and whether \
            CPUID.7.0:EDX[29] lets it read it), then boots a tiny probe kernel with the same CPU \
            configuration and prints what that kernel read beside G. libvirt domain XML (persistent \
            or live) is started through libvirt as a transient domain named guestcap-probe-… with \
            the same <cpu>, domain type, architecture, machine type and emulator; a QEMU command \
            line through the same QEMU binary with the same -cpu, -accel and -machine; a Firecracker \
            configuration through Firecracker, when it is on PATH. The probe guest has 1 vCPU, 32 \
            MiB, no disks and no network, and is always removed, also on Ctrl-C and timeouts.

            It shows what this host and this QEMU or KVM give a guest booted here now. A running \
            guest that migrated here keeps what it read where it booted. See docs/probe.md.

            Examples:
              guestcap probe /etc/libvirt/qemu/web.xml /run/libvirt/qemu/web.xml
              guestcap probe --format json guest.args

            Exit status: 0 every probe agrees with G; 1 a probe read something else; 2 usage \
            error, or a guest that could not be probed (libvirtd not answering, QEMU refusing the \
            CPU: its own message is quoted).
            """
    )

    @OptionGroup var hostOptions: HostOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @Option(
        help: ArgumentHelp(
            "The probe kernel. Default: the installed one (lib/guestcap/guestcap-probe.elf).",
            valueName: "file"))
    var kernel: String?
    @Option(help: ArgumentHelp("libvirt connection for libvirt guests.", valueName: "uri"))
    var connect: String = "qemu:///system"
    @Option(help: ArgumentHelp("Seconds one probe guest may take before it is ended.", valueName: "seconds"))
    var timeout: Int = 60
    @Argument(help: ArgumentHelp("Configuration files (libvirt XML, QEMU .args, Firecracker JSON).", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        if paths.isEmpty { throw ValidationError("name at least one configuration file to probe") }
        if timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
    }

    func run() throws {
        let engine = PolicyEngine(policy: .builtIn, now: Date())
        let host = try hostOptions.assess(with: engine)
        guard
            let kernel = kernel ?? ProcessInfo.processInfo.environment["GUESTCAP_PROBE_KERNEL"]
                ?? ProbeKernel.locate(executable: CommandLine.arguments[0])
        else {
            throw fail(
                "the probe kernel \(ProbeKernel.fileName) is not installed: install guestcap's package, run 'make probe-kernel', or give --kernel FILE"
            )
        }
        ProbeCleanup.shared.installSignalHandlers()
        let prober = GuestProber(options: .init(kernel: kernel, libvirtURI: connect, timeout: TimeInterval(timeout)))
        var session = ProbeSession(prober: prober)
        // Tests only: make guestcap's model disagree with the CPU on purpose (docs/probe.md).
        if let extra = ProcessInfo.processInfo.environment["GUESTCAP_TEST_PRETEND_BITS"] {
            guard let bits = CapabilitySet.parse(hex: extra) else {
                throw fail("GUESTCAP_TEST_PRETEND_BITS='\(extra)' is not a hexadecimal value such as 0x20")
            }
            session.pretendExtraBits = bits
        }
        let entries = session.run(paths: paths, engine: engine, host: host)
        ProbeCleanup.shared.holdIfInterrupted()
        switch format {
        case .text: print(ProbeTextRenderer.render(entries), terminator: "")
        case .json: try printJSON(ProbeTextRenderer.Document(entries: entries))
        }
        if entries.contains(where: { $0.outcome == .failed }) { throw ExitCode(2) }
        if entries.contains(where: { $0.outcome == .differ }) { throw ExitCode(1) }
    }
}
