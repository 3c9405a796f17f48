import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapSources
import GuestCapStore

/// `guestcap status`: what the daemon's database says now.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the current open findings, worst first, and the host's current state.",
        discussion: """
            Reads the daemon's history database (safe while the daemon writes it).
            Exit status: 0 nothing at severity error or above is open; 1 something is; \
            2 the database cannot be read.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @OptionGroup var width: OutputWidth

    func run() throws {
        let store = try database.open()
        let status: StoreStatus
        do { status = try store.status() } catch { throw fail(error.description) }
        let daemon = status.run.map(DaemonState.init)
        switch format {
        case .text: print(width.fit(Self.text(status, daemon: daemon, path: store.path, width: width.columns)), terminator: "")
        case .json: try printJSON(StatusDocument(status, daemon: daemon, path: store.path))
        }
        if status.findings.contains(where: { $0.record.state == .open && $0.record.severity.isViolation }) {
            throw ExitCode(1)
        }
    }

    static func text(_ s: StoreStatus, daemon: DaemonState?, path: String, width: Int? = nil) -> String {
        var out: [String] = []
        if let h = s.host {
            let a = HostAssessment(snapshot: h.snapshot)
            out.append("Host \(h.snapshot.hostname), state since \(ReportCoding.formatDate(h.began)): J = \(a.justified)")
        } else {
            out.append("No host state recorded yet in \(path).")
        }
        if let r = s.run, let daemon {
            out.append("Daemon: pid \(r.pid), version \(r.version), started \(ReportCoding.formatDate(r.started)), \(daemon.sentence)")
        }
        if let last = s.lastAudit { out.append("Last audit: \(ReportCoding.formatDate(last))") }
        let c = s.counts
        out.append("\(c.guests) guests: \(c.violating) violating, \(c.waived) waived, \(c.unreadable) unreadable, "
            + "\(c.compliant) compliant; \(c.openFindings) findings open, \(c.waivedFindings) waived")
        if !s.findings.isEmpty {
            out.append("")
            var t = TextTable(["SEVERITY", "RULE", "GUEST", "SOURCE", "BITS", "SINCE", "STATE"])
            for f in s.findings {
                let r = f.record
                let arrow = r.direction == .incoming ? " ← " : " → "   // incoming: booted there, moved here
                t.add([r.severity.rawValue, r.rule.rawValue + (r.poolHost.map { arrow + $0 } ?? ""),
                       r.guestName ?? r.configPath ?? r.subject, r.source?.rawValue ?? "host",
                       r.bits.names.joined(separator: ","), ReportCoding.formatDate(f.openedAt), r.state.rawValue])
            }
            out.append(t.render(width: width))
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// The JSON form of `guestcap status`.
struct StatusDocument: Encodable {
    struct Guest: Encodable {
        let name: String?, uuid: String?, source: GuestSource, path: String, status: GuestStatus, error: String?
        let firstSeen: Date
        enum CodingKeys: String, CodingKey { case name, uuid, source, path, status, error, firstSeen = "first_seen" }
    }
    struct Counts: Encodable {
        let guests: Int, compliant: Int, violating: Int, waived: Int, unreadable: Int
        let openFindings: Int, waivedFindings: Int
        enum CodingKeys: String, CodingKey {
            case guests, compliant, violating, waived, unreadable, openFindings = "open_findings", waivedFindings = "waived_findings"
        }
    }
    let format = "guestcap.status/v1"
    let database: String
    let host: HostDocument?
    let daemon: DaemonState?
    let lastAudit: Date?
    let counts: Counts
    let guests: [Guest]
    let findings: [FindingDocument]

    enum CodingKeys: String, CodingKey {
        case format, database, host, daemon, lastAudit = "last_audit", counts, guests, findings
    }

    init(_ s: StoreStatus, daemon: DaemonState?, path: String) {
        database = path
        self.daemon = daemon
        host = s.host.map { HostDocument(HostAssessment(snapshot: $0.snapshot)) }
        lastAudit = s.lastAudit
        let c = s.counts
        counts = Counts(guests: c.guests, compliant: c.compliant, violating: c.violating, waived: c.waived,
                        unreadable: c.unreadable, openFindings: c.openFindings, waivedFindings: c.waivedFindings)
        guests = s.guests.map { Guest(name: $0.name, uuid: $0.uuid, source: $0.source, path: $0.path,
                                      status: $0.status, error: $0.error, firstSeen: $0.firstSeen) }
        findings = s.findings.map { FindingDocument(record: $0.record, openedAt: $0.openedAt) }
    }
}

extension FindingDocument {
    /// A stored active finding, for `status` and `history`.
    init(record r: FindingRecord, openedAt: Date?, resolvedAt: Date? = nil) {
        self.init(id: r.findingID, rule: r.rule.rawValue, severity: r.severity, bits: r.bits.names, pool: r.pool,
                  poolHost: r.poolHost, direction: r.direction, message: r.message, state: r.state, firstSeen: openedAt, lastSeen: nil,
                  resolvedAt: resolvedAt,
                  waiver: r.waiverReason.map { WaiverDoc(reason: $0, expires: r.waiverExpires ?? "", active: r.state == .waived, bits: nil) },
                  origins: r.origins.isEmpty ? nil : r.origins.map(\.description))
    }
}
