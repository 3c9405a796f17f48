import Foundation
import GuestCapCore

/// A host state the store kept: the facts and the time they were in force.
public struct StoredHost: Sendable {
    /// Row id (`host_snapshot.id`), referenced by transitions.
    public let id: Int64
    /// The facts, with ``HostSnapshot/since`` set to ``began``.
    public let snapshot: HostSnapshot
    /// When this state was first seen.
    public let began: Date
    /// When the next state replaced it (nil: still in force).
    public let ended: Date?
    /// `hw`, J and kvm_default as computed when it was recorded (default justification options).
    public let hardware: CapabilitySet
    public let justified: CapabilitySet
    public let kvmDefault: CapabilitySet
    /// MSR status (`ok`, `absent`, `unreadable`, `inconsistent`).
    public let msrStatus: String
    /// The id of the "host changed" journal entry.
    public let changeID: String
    /// Which verdicts flipped with this change, as the daemon described them.
    public let changeNote: String?
    /// Whether the "host changed" entry has been sent to the journal.
    public let sent: Bool
}
