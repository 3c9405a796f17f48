import ArgumentParser
import Foundation

/// The `guestcap` command: a thin front over the libraries; one file per subcommand.
@main
struct GuestCap: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "guestcap",
        abstract: "Check that no KVM guest is told more about the CPU than this host can back up.",
        discussion: """
            A guest kernel reads IA32_ARCH_CAPABILITIES (MSR 0x10a) once at boot and skips the \
            mitigations whose "_NO" bits it sees. guestcap works out the bits this host justifies (J) \
            from its MSRs and the kernel's vulnerability verdicts, computes what each guest is told (G) \
            from its libvirt, QEMU or Firecracker configuration, and reports every claim J does not cover.

            Exit status: 0 all well; 1 a finding of severity error or critical is open; 2 usage error \
            or input that could not be read or parsed (everything else is still reported).
            """,
        version: version,
        subcommands: [
            HostCommand.self, CheckCommand.self, PolicyCommand.self, StatusCommand.self, HistoryCommand.self,
            DaemonCommand.self, ExportCommand.self, FleetCommand.self, ProbeCommand.self,
        ]
    )

    /// Runs the command; usage errors exit 2 (as every guestcap command promises), not 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                printError("Run 'guestcap help' or add --help for usage.")
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
