import Foundation
import GuestCapCore

/// Everything one audit changes, committed in one transaction by ``HistoryStore/commit(_:)``.
public struct AuditCommit: Sendable {
    /// When the audit ran.
    public var at: Date
    /// The host state it evaluated against (``HistoryStore/recordHost(_:at:)``).
    public var hostSnapshotID: Int64
    /// The verdicts of the guests audited (all of them, or only those whose files changed).
    public var verdicts: [GuestVerdict]
    /// Guests that went away (file deleted, process ended).
    public var gone: [GuestIdentity]
    /// What ``AuditDiff/transitions(previous:current:)`` found.
    public var transitions: [TransitionDraft]
    /// For an audit after a host change: which verdicts flipped, stored with the host change event.
    public var hostTransition: String?
    /// The daemon run doing the audit (its last audit time is updated), if any.
    public var runID: Int64?

    /// Creates a commit.
    public init(
        at: Date, hostSnapshotID: Int64, verdicts: [GuestVerdict] = [], gone: [GuestIdentity] = [],
        transitions: [TransitionDraft] = [], hostTransition: String? = nil, runID: Int64? = nil
    ) {
        self.at = at
        self.hostSnapshotID = hostSnapshotID
        self.verdicts = verdicts
        self.gone = gone
        self.transitions = transitions
        self.hostTransition = hostTransition
        self.runID = runID
    }
}
