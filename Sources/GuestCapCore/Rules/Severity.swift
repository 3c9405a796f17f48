/// How bad a finding is; maps to the journal's syslog PRIORITY.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case critical, error, warning, notice, info

    /// syslog priority: critical 2 … info 6.
    public var priority: Int {
        switch self {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        }
    }

    /// Whether a finding at this severity makes a guest violating and a command exit 1.
    public var isViolation: Bool { self <= .error }

    /// Worse sorts first: `critical < error`.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.priority < rhs.priority }
}
