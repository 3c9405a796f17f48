import Foundation
import GuestCapCore

/// What the Prometheus textfile says, whoever computed it: `guestcap export` from the report of
/// a period, the daemon from its state after each audit. Both render it with
/// ``PrometheusRenderer``, so a metric name has one set of labels and one HELP text everywhere.
public struct TextfileMetrics: Sendable, Equatable {
    /// A rule at a severity: the labels of the finding counts.
    public struct FindingKey: Hashable, Sendable {
        public let rule: String
        public let severity: Severity
    }

    /// Guests by status.
    public var guests: ReportDocument.Summary
    /// Open (not waived) findings by rule and severity; every rule at its default severity is present.
    public var openFindings: [FindingKey: Int]
    /// Waived findings, likewise.
    public var waivedFindings: [FindingKey: Int]
    /// The host the file describes.
    public var host: HostDocument
    /// The last audit included.
    public var lastAudit: Date
    /// When the file is made.
    public var generatedAt: Date

    /// Counts `findings` (resolved ones are not counted); every rule starts at 0 at its default
    /// severity so that an alert on a rule never sees it absent.
    public init(
        guests: ReportDocument.Summary, findings: [(rule: String, severity: Severity, state: FindingState)],
        host: HostDocument, lastAudit: Date, generatedAt: Date
    ) {
        var open: [FindingKey: Int] = [:]
        for rule in Rule.allCases { open[FindingKey(rule: rule.rawValue, severity: rule.defaultSeverity)] = 0 }
        var waived = open
        for f in findings {
            let key = FindingKey(rule: f.rule, severity: f.severity)
            switch f.state {
            case .open: open[key, default: 0] += 1
            case .waived: waived[key, default: 0] += 1
            case .resolved: break
            }
        }
        self.guests = guests
        self.openFindings = open
        self.waivedFindings = waived
        self.host = host
        self.lastAudit = lastAudit
        self.generatedAt = generatedAt
    }

    /// The metrics of a report: its summary (in an export, each guest's worst status of the
    /// period) and its findings' states at the end of the report.
    /// - Parameter lastAudit: the last audit the report covers (default: its generation time).
    public init(report: ReportDocument, lastAudit: Date? = nil) {
        let findings = (report.hostFindings + report.guests.flatMap(\.findings)).map {
            ($0.rule, $0.severity, $0.state)
        }
        self.init(
            guests: report.summary, findings: findings, host: report.host,
            lastAudit: lastAudit ?? report.generatedAt, generatedAt: report.generatedAt)
    }

    /// The metrics of a live state (the daemon's, after an audit): each guest's current status
    /// and the findings in force, guests' and the host's.
    public init(
        host: HostAssessment, statuses: [GuestStatus], findings: [FindingRecord], lastAudit: Date,
        generatedAt: Date
    ) {
        self.init(
            guests: ReportDocument.Summary(statuses: statuses),
            findings: findings.map { ($0.rule.rawValue, $0.severity, $0.state) }, host: HostDocument(host),
            lastAudit: lastAudit, generatedAt: generatedAt)
    }
}
