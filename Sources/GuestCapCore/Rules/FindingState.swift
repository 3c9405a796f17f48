/// Where a finding is in its life.
public enum FindingState: String, Sendable, Codable, CaseIterable {
    /// Active and not waived.
    case open
    /// No longer true.
    case resolved
    /// True, but covered by an active waiver.
    case waived
}
