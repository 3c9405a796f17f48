import Foundation
import GuestCapCore

/// What an export reads from the history database, in the core's terms. The history store
/// provides it (read-only); tests provide it from memory.
public protocol ExportHistory {
    /// Every host state in effect at some moment of the period, oldest first, each with `since`.
    func hostStates(in period: ExportPeriod) throws -> [HostSnapshot]
    /// Every guest seen during the period.
    func guests(in period: ExportPeriod) throws -> [HistoryGuest]
    /// Every finding alive at some moment of the period, with its whole lifecycle.
    func findings(in period: ExportPeriod) throws -> [HistoryFinding]
    /// When the daemon last completed an audit, if ever.
    func lastAudit() throws -> Date?
}

/// A guest as the history knows it.
public struct HistoryGuest: Sendable {
    /// ``GuestIdentity`` description: what findings' `subject` refers to.
    public var subject: String
    public var source: GuestSource
    public var path: String
    public var name: String?
    public var uuid: String?
    public var firstSeen: Date?
    public var lastSeen: Date?
    /// G as last computed, when the configuration was read.
    public var advertised: GuestDocument.Advertised?
    /// Why the configuration could not be read, when it could not at the end of the period.
    public var error: String?
    /// The worst status it had during the period, when the history computed it over the whole
    /// lifecycle of its findings; nil: derived from the findings given.
    public var worstStatus: GuestStatus?

    /// Creates a guest.
    public init(
        subject: String, source: GuestSource, path: String, name: String? = nil, uuid: String? = nil,
        firstSeen: Date? = nil, lastSeen: Date? = nil, advertised: GuestDocument.Advertised? = nil,
        error: String? = nil, worstStatus: GuestStatus? = nil
    ) {
        self.subject = subject
        self.source = source
        self.path = path
        self.name = name
        self.uuid = uuid
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.advertised = advertised
        self.error = error
        self.worstStatus = worstStatus
    }
}

/// A finding and its life: the record as last seen and every transition, oldest first.
public struct HistoryFinding: Sendable {
    public struct Transition: Sendable, Equatable {
        public var kind: TransitionKind
        public var at: Date
        public init(_ kind: TransitionKind, at: Date) {
            self.kind = kind
            self.at = at
        }
    }
    public var record: FindingRecord
    public var transitions: [Transition]
    /// The last audit that still saw it.
    public var lastSeen: Date?

    /// Creates a finding history.
    public init(record: FindingRecord, transitions: [Transition], lastSeen: Date? = nil) {
        self.record = record
        self.transitions = transitions.sorted { $0.at < $1.at }
        self.lastSeen = lastSeen
    }

    /// The state in force at `date`, nil before the finding opened.
    public func state(at date: Date) -> FindingState? {
        var state: FindingState?
        for t in transitions where t.at <= date { state = t.kind.resultingState }
        return state
    }

    /// Every state the finding had at some moment of the period (empty: not alive then).
    public func states(during period: ExportPeriod) -> Set<FindingState> {
        var out = Set<FindingState>()
        if let s = state(at: period.from), s != .resolved { out.insert(s) }
        for t in transitions where t.at >= period.from && t.at < period.to && t.kind != .resolved {
            out.insert(t.kind.resultingState)
        }
        return out
    }

    /// When it first opened (or was first seen waived).
    public var openedAt: Date? { transitions.first { $0.kind != .resolved }?.at }
}

extension TransitionKind {
    /// The state a finding is in after this transition.
    public var resultingState: FindingState {
        switch self {
        case .opened, .waiverExpired: .open
        case .waived: .waived
        case .resolved: .resolved
        }
    }
}
