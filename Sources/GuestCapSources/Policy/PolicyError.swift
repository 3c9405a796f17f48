/// One thing wrong with a policy file, located at a line and a key.
///
/// Prints like a compiler diagnostic:
/// `/etc/guestcap/policy.toml:12: [waivers.2].expires: '2026-13-01' is not a date (use YYYY-MM-DD)`.
public struct PolicyProblem: Sendable, Hashable, CustomStringConvertible {
    /// The policy file as it was named.
    public let file: String
    /// 1-based line, nil when the problem is the whole file (it cannot be read).
    public let line: Int?
    /// The key, as an operator would look for it: `kvm_synthesis`, `rules.missed-immunity.severity`,
    /// `[pools.1].members`, `[waivers.2].expires`; empty for a syntax error.
    public let key: String
    /// What is wrong and, where it helps, what to write instead.
    public let message: String

    /// Creates a problem.
    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        s += ": "
        if !key.isEmpty { s += key + ": " }
        return s + message
    }
}

/// A policy file that cannot be used, with every problem found in it.
///
/// The loader does not stop at the first problem: one run shows everything to fix, sorted by line.
public struct PolicyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The policy file as it was named.
    public let file: String
    /// Every problem, sorted by line.
    public let problems: [PolicyProblem]

    /// Creates an error; the problems are sorted by line (file-level problems first).
    public init(file: String, problems: [PolicyProblem]) {
        self.file = file
        self.problems = problems.enumerated().sorted { a, b in
            (a.element.line ?? 0, a.offset) < (b.element.line ?? 0, b.offset)
        }.map(\.element)
    }

    /// An error of one problem with the whole file (`line` where the problem has one).
    public init(file: String, line: Int? = nil, message: String) {
        self.init(file: file, problems: [PolicyProblem(file: file, line: line, key: "", message: message)])
    }

    /// One problem per line, then a count.
    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return problems.map(\.description).joined(separator: "\n") + "\n\(file): \(count); the policy is not valid"
    }
}
