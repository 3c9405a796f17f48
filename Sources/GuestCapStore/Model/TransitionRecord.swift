import Foundation
import GuestCapCore

/// A committed transition: what the journal entry reports, with the id both carry.
public struct TransitionRecord: Sendable, Hashable {
    /// A random UUID (lower case): `GUESTCAP_TRANSITION_ID`.
    public let id: String
    public let at: Date
    public let kind: TransitionKind
    /// The finding as it is after the transition (for `resolved`, as it was last seen).
    public let finding: FindingRecord
    /// The host state in force.
    public let hostSnapshotID: Int64
    /// The guest's configuration version in force (nil for host findings).
    public let configVersionID: Int64?
    /// Whether the journal entry has been sent.
    public let sent: Bool
}
