import ArgumentParser
import Foundation
import GuestCapCore
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
                if format == .json {
                    struct Invalid: Encodable {
                        let valid = false
                        let file: String
                        let problems: [Problem]
                    }
                    struct Problem: Encodable {
                        let file: String
                        /// A number, or null when the problem is not on one line.
                        let line: Int?
                        let key: String
                        let message: String
                        func encode(to encoder: any Encoder) throws {
                            var c = encoder.container(keyedBy: CodingKeys.self)
                            try c.encode(file, forKey: .file)
                            try c.encode(line, forKey: .line)
                            try c.encode(key, forKey: .key)
                            try c.encode(message, forKey: .message)
                        }
                        enum CodingKeys: String, CodingKey { case file, line, key, message }
                    }
                    try printJSON(Invalid(file: error.file, problems: error.problems.map {
                        Problem(file: $0.file, line: $0.line, key: $0.key, message: $0.message)
                    }))
                }
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
