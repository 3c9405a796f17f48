import Foundation
import GuestCapCore

/// One episode of a finding as the compliance export shows it.
public struct FindingLifecycle: Sendable {
    /// The finding; its state is the one it has now (open, waived or resolved).
    public let record: FindingRecord
    /// The guest row (nil for host findings).
    public let guestID: Int64?
    public let openedAt: Date
    /// When it was last waived.
    public let waivedAt: Date?
    /// When its waiver last expired.
    public let waiverExpiredAt: Date?
    public let resolvedAt: Date?
    /// Its transitions inside the period, oldest first.
    public internal(set) var transitions: [TransitionRecord]
    /// Its last transition before the period, which gives the state it was in when the period
    /// began (nil: it opened inside the period). `waivedAt` and `waiverExpiredAt` are the latest
    /// times, possibly after the period, so they cannot tell that state.
    public internal(set) var before: TransitionRecord?
}

/// An episode as an export reads it (``HistoryStore/findingEpisodes(from:to:)``): the record,
/// and of each transition only its kind and time.
public struct FindingEpisode: Sendable {
    /// A transition's kind and time.
    public struct Step: Sendable, Equatable {
        public let kind: TransitionKind
        public let at: Date
    }
    /// The finding; its state is the one it has now.
    public let record: FindingRecord
    public let openedAt: Date
    /// Its transitions inside the period, oldest first.
    public internal(set) var transitions: [Step]
    /// Its last transition before the period (nil: it opened inside the period).
    public internal(set) var before: Step?
}
