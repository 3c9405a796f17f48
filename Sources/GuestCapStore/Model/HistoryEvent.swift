import Foundation
import GuestCapCore

/// One entry of `guestcap history`: a finding's transition or a host change.
public struct HistoryEvent: Sendable {
    /// What happened.
    public enum Kind: String, Sendable, CaseIterable {
        case opened, resolved, waived
        case waiverExpired = "waiver-expired"
        case hostChanged = "host-changed"
    }

    public let at: Date
    public let kind: Kind
    /// The transition id, or the host change id: what the journal entry carries.
    public let id: String
    /// The finding, for transitions.
    public let finding: FindingRecord?
    /// The host state in force (for `host-changed`: the new one).
    public let hostSnapshotID: Int64
    /// The guest's configuration version in force, for guest findings.
    public let configVersionID: Int64?
    /// The change, for `host-changed`.
    public let hostChange: HostChange?
}

/// A change of the host's state: old and new values, and which verdicts flipped.
public struct HostChange: Sendable {
    /// The id the journal's "host changed" entry carries.
    public let id: String
    public let at: Date
    /// The state before (nil for the first state guestcap saw).
    public let previous: StoredHost?
    /// The state after.
    public let current: StoredHost
    /// One line per fact that changed: `kernel: 6.1.0-18 → 6.1.0-21`.
    public let changes: [String]
    /// Which verdicts flipped, as the daemon described them.
    public let note: String?
}

/// Which history to show. Every field narrows; the default is everything.
public struct HistoryFilter: Sendable {
    /// A guest name or UUID (or identity `libvirt:uuid:…`), exact or a glob (`web-*`).
    public var guest: String?
    /// Only findings of this rule.
    public var rule: Rule?
    /// From this instant (inclusive).
    public var since: Date?
    /// Until this instant (exclusive).
    public var until: Date?
    /// At most this many events: the most recent ones, still returned oldest first.
    public var limit: Int?
    /// Whether host changes are listed (they are by default, except when a rule is given).
    public var includeHostChanges: Bool?

    /// Creates a filter.
    public init(
        guest: String? = nil, rule: Rule? = nil, since: Date? = nil, until: Date? = nil,
        limit: Int? = nil, includeHostChanges: Bool? = nil
    ) {
        self.guest = guest
        self.rule = rule
        self.since = since
        self.until = until
        self.limit = limit
        self.includeHostChanges = includeHostChanges
    }
}
