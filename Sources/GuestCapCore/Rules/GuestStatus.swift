/// A guest's overall verdict (policy-model §3).
public enum GuestStatus: String, Sendable, Codable, CaseIterable, Comparable {
    case violating, unreadable, waived, compliant

    /// Worse first: violating < unreadable < waived < compliant.
    public static func < (lhs: GuestStatus, rhs: GuestStatus) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// The status a list of findings gives (for a readable guest).
    public static func of(_ findings: [Finding]) -> GuestStatus {
        if findings.contains(where: \.isActiveViolation) { return .violating }
        if findings.contains(where: { $0.state == .waived && $0.severity.isViolation }) { return .waived }
        return .compliant
    }
}
