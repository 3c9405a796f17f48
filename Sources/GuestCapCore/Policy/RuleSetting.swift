/// Whether a rule runs and at which severity.
public struct RuleSetting: Sendable, Hashable {
    public var enabled: Bool
    public var severity: Severity

    /// Creates a setting.
    public init(enabled: Bool = true, severity: Severity) {
        self.enabled = enabled
        self.severity = severity
    }
}
