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
            """
    )

    @OptionGroup var hostOptions: HostOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text

    func run() throws {
        let engine = PolicyEngine(policy: .builtIn, now: Date())
        let host = try hostOptions.assess(with: engine)
        switch format {
        case .text: print(HostTextRenderer.render(host), terminator: "")
        case .json: try printJSON(HostDocument(host))
        }
    }
}
