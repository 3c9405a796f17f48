import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapReport
import GuestCapSources

/// `guestcap policy`: work with policy files.
struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate a policy file and show the policy it makes.",
        subcommands: [Check.self]
    )

    /// `guestcap policy check FILE`.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a policy file and print the effective policy.",
            discussion: """
                Every problem is reported at once, each with the file, line and key. \
                Exit status: 0 valid; 2 invalid or unreadable. Run it before reloading the \
                daemon (systemctl reload guestcap): a policy that fails here is refused by the \
                daemon too, which keeps the previous one in force.
                """
        )

        @Argument(help: ArgumentHelp("The policy file.", valueName: "file"))
        var file: String = PolicyLoader.defaultPath
        @Option(help: "Output format: text or json.") var format: OutputFormat = .text

        func run() throws {
            let now = Date()
            let policy: Policy
            do {
                policy = try PolicyLoader().load(path: file)
            } catch {
                if format == .json { try printJSON(PolicyProblemsDocument(error)) }
                printError(error.description)
                throw ExitCode(2)
            }
            switch format {
            case .text: print(describePolicy(policy, now: now), terminator: "")
            case .json: try printJSON(PolicyDescription(policy, now: now))
            }
        }
    }
}
