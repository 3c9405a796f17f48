import Foundation
import GuestCapSources

/// `guestcap policy check --format json` for a policy that is not valid: every problem, each
/// with its line (null when it is not on one).
public struct PolicyProblemsDocument: Encodable, Sendable {
    struct Problem: Encodable, Sendable {
        let file: String
        let line: Int?
        let key: String
        let message: String
        // Written by hand: the synthesized form leaves out a nil line instead of writing null.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(line, forKey: .line)
            try c.encode(key, forKey: .key)
            try c.encode(message, forKey: .message)
        }
        enum CodingKeys: String, CodingKey { case file, line, key, message }
    }
    public let valid = false
    public let file: String
    let problems: [Problem]

    public init(_ error: PolicyError) {
        file = error.file
        problems = error.problems.map { Problem(file: $0.file, line: $0.line, key: $0.key, message: $0.message) }
    }
}
