import ArgumentParser
import Foundation
import SystemPackage
import GuestCapCore
import GuestCapSources

/// `guestcap check`: evaluate guest configurations against this host once, for people and CI.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check guest configurations against this host (or a saved one) and report every unbacked claim.",
        discussion: """
            Each PATH is a file or a folder. A file is read whatever its name; its kind (libvirt \
            domain or live status XML, QEMU command line, Firecracker VM config or CPU template) \
            is recognised from its content. A folder is not descended into: its *.xml, *.json and \
            *.args files are checked; dot-files and temporaries (*.new, *.tmp, *~) are ignored, and \
            documents of another kind are listed as skipped.

            Examples:
              guestcap check /etc/libvirt/qemu /run/libvirt/qemu
              guestcap check --proc                      # running QEMU processes
              guestcap check --host-snapshot fleet/hosts/oldest.json --policy fleet.toml template.json

            Exit status: 0 all well; 1 a finding of severity error or critical is open; \
            2 usage error, or a configuration that could not be read or parsed (the others are \
            still reported).
            """
    )

    @OptionGroup var hostOptions: HostOptions
    @OptionGroup var policyOptions: PolicyOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @OptionGroup var width: OutputWidth
    @Flag(help: "Also check running QEMU processes (<host-root>/proc/*/cmdline).") var proc = false
    @Flag(name: .shortAndLong, help: "List compliant guests without findings too.") var verbose = false
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Largest configuration file read, in bytes (the daemon's max_config_bytes).", valueName: "bytes"))
    var maxConfigBytes: Int = 4 << 20
    @Argument(help: ArgumentHelp("Configuration files or folders.", valueName: "path")) var paths: [String] = []

    func validate() throws {
        if paths.isEmpty && !proc { throw ValidationError("name at least one PATH to check, or --proc") }
        if maxConfigBytes < 1 { throw ValidationError("--max-config-bytes must be positive") }
    }

    func run() throws {
        let now = Date()
        let policy = try policyOptions.load(now: now)
        let engine = PolicyEngine(policy: policy, now: now)
        let host = try hostOptions.assess(with: engine)
        // check keeps no history, so it needs no content hashes.
        let loader = GuestConfigLoader(limits: ReadLimits(maxBytes: maxConfigBytes), hashContents: false)

        var outcomes: [LoadOutcome] = []
        for path in paths {
            if (try? FilePath(path).stat())?.type == .directory {
                outcomes += loader.scan(directory: path)
            } else {
                outcomes += loader.load(path: path)
            }
        }
        if proc { outcomes += loader.scanProcesses(hostRoot: hostOptions.hostRoot) }

        let result = CheckEvaluation(outcomes: outcomes, engine: engine, host: host)
        switch format {
        case .text:
            print(
                width.fit(
                    CheckTextRenderer.render(
                        host: host, verdicts: result.verdicts, hostFindings: result.hostFindings,
                        skipped: result.skipped, verbose: verbose)), terminator: "")
        case .json:
            try printJSON(
                ReportDocument(
                    check: host, verdicts: result.verdicts, hostFindings: result.hostFindings,
                    skipped: result.skipped, policy: policy, now: now))
        }
        if result.verdicts.contains(where: { $0.status == .unreadable }) { throw ExitCode(2) }
        if result.hasViolation { throw ExitCode(1) }
    }
}
