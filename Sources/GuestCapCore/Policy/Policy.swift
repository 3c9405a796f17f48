/// Everything an operator can say about what matters on their fleet (policy-model §4).
public struct Policy: Sendable {
    /// Per-rule settings; a rule missing here runs at its default severity.
    public var rules: [Rule: RuleSetting]
    /// How J is built.
    public var justification: JustificationOptions
    /// Migration pools.
    public var pools: [MigrationPool]
    /// Waivers.
    public var waivers: [Waiver]
    /// The file it was read from, nil for the built-in default.
    public var path: String?
    /// SHA-256 of the file's bytes (of the empty string for the built-in default).
    public var sha256: String

    /// The built-in policy: every rule at its default severity, no pools, no waivers.
    public static let builtIn = Policy()

    /// Creates a policy.
    public init(
        rules: [Rule: RuleSetting] = [:], justification: JustificationOptions = JustificationOptions(),
        pools: [MigrationPool] = [], waivers: [Waiver] = [], path: String? = nil,
        sha256: String = SHA256.hex(of: [])
    ) {
        self.rules = rules
        self.justification = justification
        self.pools = pools
        self.waivers = waivers
        self.path = path
        self.sha256 = sha256
    }

    /// The setting in force for a rule.
    public func setting(for rule: Rule) -> RuleSetting {
        rules[rule] ?? RuleSetting(severity: rule.defaultSeverity)
    }
}
