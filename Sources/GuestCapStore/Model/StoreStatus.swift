import Foundation
import GuestCapCore

/// What `guestcap status` shows: the host now, the guests now, what is open, worst first.
public struct StoreStatus: Sendable {
    /// Counts for the summary line.
    public struct Counts: Sendable, Equatable {
        public var guests = 0, compliant = 0, violating = 0, waived = 0, unreadable = 0
        /// Active findings by state.
        public var openFindings = 0, waivedFindings = 0
    }

    /// The host's current state.
    public let host: StoredHost?
    /// Present guests, worst status first, then by name.
    public let guests: [StoredGuest]
    /// Active findings (open and waived), worst first.
    public let findings: [ActiveFinding]
    /// When the daemon last committed an audit.
    public let lastAudit: Date?
    /// The most recent daemon run.
    public let run: DaemonRun?
    public let counts: Counts
}

/// A finding in force now and since when.
public struct ActiveFinding: Sendable {
    public let record: FindingRecord
    public let openedAt: Date
    /// When it was last waived.
    public let waivedAt: Date?
    /// The guest row (nil for host findings).
    public let guestID: Int64?
}

/// One daemon process.
public struct DaemonRun: Sendable, Equatable {
    public let id: Int64
    public let pid: Int32
    public let version: String
    public let started: Date
    /// nil while running (or when it died without stopping cleanly).
    public let ended: Date?
    public let lastAudit: Date?
}
