import Foundation
import GuestCapCore
import GuestCapStore

/// `guestcap status --format json`: a `guestcap.status/v1` document.
public struct StatusDocument: Encodable, Sendable {
    public struct Guest: Encodable, Sendable {
        let name: String?, uuid: String?, source: GuestSource, path: String, status: GuestStatus, error: String?
        let firstSeen: Date
        enum CodingKeys: String, CodingKey {
            case name, uuid, source, path, status, error
            case firstSeen = "first_seen"
        }
    }
    public struct Counts: Encodable, Sendable {
        let guests: Int, compliant: Int, violating: Int, waived: Int, unreadable: Int
        let openFindings: Int, waivedFindings: Int
        enum CodingKeys: String, CodingKey {
            case guests, compliant, violating, waived, unreadable
            case openFindings = "open_findings"
            case waivedFindings = "waived_findings"
        }
    }
    public let format = "guestcap.status/v1"
    public let database: String
    public let host: HostDocument?
    public let daemon: DaemonState?
    public let lastAudit: Date?
    public let counts: Counts
    public let guests: [Guest]
    public let findings: [FindingDocument]

    enum CodingKeys: String, CodingKey {
        case format, database, host, daemon
        case lastAudit = "last_audit"
        case counts, guests, findings
    }

    /// The status of the database at `path`.
    public init(_ s: StoreStatus, daemon: DaemonState?, path: String) {
        database = path
        self.daemon = daemon
        host = s.host.map { HostDocument(HostAssessment(snapshot: $0.snapshot)) }
        lastAudit = s.lastAudit
        let c = s.counts
        counts = Counts(
            guests: c.guests, compliant: c.compliant, violating: c.violating, waived: c.waived,
            unreadable: c.unreadable, openFindings: c.openFindings, waivedFindings: c.waivedFindings)
        guests = s.guests.map {
            Guest(
                name: $0.name, uuid: $0.uuid, source: $0.source, path: $0.path,
                status: $0.status, error: $0.error, firstSeen: $0.firstSeen)
        }
        findings = s.findings.map { FindingDocument(record: $0.record, openedAt: $0.openedAt) }
    }
}
