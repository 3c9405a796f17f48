/// A change in a finding's life that is recorded and logged once (policy-model §6).
public enum TransitionKind: String, Sendable, Codable, CaseIterable {
    /// First seen, active.
    case opened
    /// No longer true (config fixed, guest gone, host changed, rule disabled).
    case resolved
    /// Covered by a waiver (first seen waived, or a waiver was added).
    case waived
    /// Its waiver ended; active again.
    case waiverExpired = "waiver-expired"
}
