import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapSources

/// `guestcap host`: what this host's MSRs and kernel say, and the bits a guest may be told.
struct HostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host",
        abstract: "Show this host's IA32_ARCH_CAPABILITIES, the justified set J and KVM's default.",
        discussion: """
            Reads MSR 0x10a on every CPU (/dev/cpu/N/msr: needs the msr module and root or \
            CAP_SYS_RAWIO), /proc/cpuinfo and /sys/devices/system/cpu/vulnerabilities/*. \
            The JSON form is the "host" object of a guestcap.report/v1 document, and exactly what \
            a migration pool member file is:

              guestcap host --format json > /etc/guestcap/pools/$(hostname).json

            Exit status: 0 the host is fine; 1 a host finding of severity error or critical is \
            open under the policy (the one `check` and the daemon use), as `check` would report it; \
            2 the host cannot be read.
            """
    )

    @OptionGroup var hostOptions: HostOptions
    @OptionGroup var policyOptions: PolicyOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @OptionGroup var width: OutputWidth

    func run() throws {
        let now = Date()
        let engine = PolicyEngine(policy: try policyOptions.load(now: now), now: now)
        let host = try hostOptions.assess(with: engine)
        switch format {
        case .text: print(width.fit(HostTextRenderer.render(host, width: width.columns)), terminator: "")
        case .json: try printJSON(HostDocument(host))
        }
        if engine.hostFindings(host).contains(where: \.isActiveViolation) { throw ExitCode(1) }
    }
}
