/// A transition computed by ``AuditDiff`` before the store gives it an id and a time.
public struct TransitionDraft: Sendable, Hashable {
    public let kind: TransitionKind
    /// The finding as it is after the transition (for `resolved`: as it was last seen).
    public let finding: FindingRecord

    /// Creates a draft.
    public init(kind: TransitionKind, finding: FindingRecord) {
        self.kind = kind
        self.finding = finding
    }
}
