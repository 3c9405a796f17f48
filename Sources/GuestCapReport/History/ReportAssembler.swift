import Foundation
import GuestCapCore

/// Builds the `guestcap.report/v1` document of a period from the history (issue 7):
/// host facts from the stored snapshots (never from the live host), every guest seen, each
/// with the findings alive during the period and their lifecycle, the guest's worst status
/// during the period, and the policy's hash.
public struct ReportAssembler: Sendable {
    public var policy: Policy
    public var now: Date

    /// Creates an assembler; `policy` decides J's options and is hashed into the report.
    public init(policy: Policy = .builtIn, now: Date) {
        self.policy = policy
        self.now = now
    }

    /// The report of `period`.
    /// - Throws: whatever the history throws; ``ExportError/noHistory`` when it has no host state.
    public func report(from history: some ExportHistory, period: ExportPeriod) throws -> ReportDocument {
        let engine = PolicyEngine(policy: policy, now: now)
        let states = try history.hostStates(in: period)
        guard let current = states.last else { throw ExportError.noHistory(period: period) }
        let hostDoc = HostDocument(engine.assess(current))
        let snapshots = states.map { HostDocument(engine.assess($0)) }

        // Grouped by position: a long period has hundreds of thousands of findings, and copies
        // of them per subject doubled the export's peak memory.
        let all = try history.findings(in: period)
        var bySubject: [String: [Int]] = [:]
        for i in all.indices where !all[i].states(during: period).isEmpty {
            bySubject[all[i].record.subject, default: []].append(i)
        }
        func findings(of subject: String) -> [HistoryFinding] { (bySubject[subject] ?? []).map { all[$0] } }

        var guests: [GuestDocument] = []
        var known = Set<String>()
        for g in try history.guests(in: period) {
            known.insert(g.subject)
            guests.append(guest(g, findings: findings(of: g.subject), period: period))
        }
        // Findings whose guest the history no longer lists still belong in the report.
        for subject in bySubject.keys where !subject.hasPrefix("host:") && !known.contains(subject) {
            let list = findings(of: subject)
            let r = list[0].record
            let g = HistoryGuest(
                subject: subject, source: r.source ?? .libvirt, path: r.configPath ?? subject,
                name: r.guestName, uuid: r.guestUUID)
            guests.append(guest(g, findings: list, period: period))
        }
        guests.sort { ($0.name ?? $0.path, $0.source, $0.path) < ($1.name ?? $1.path, $1.source, $1.path) }
        let hostFindings = Self.sorted(
            bySubject.keys.filter { $0.hasPrefix("host:") }.flatMap(findings(of:))
                .map { finding($0, period: period) })

        return ReportDocument(
            generatedAt: now, period: period.document,
            policy: .init(path: policy.path, sha256: policy.sha256), host: hostDoc, guests: guests,
            hostFindings: hostFindings, hostSnapshots: snapshots)
    }

    private func guest(_ g: HistoryGuest, findings: [HistoryFinding], period: ExportPeriod) -> GuestDocument {
        GuestDocument(
            name: g.name, uuid: g.uuid, source: g.source, path: g.path,
            status: (g.worstStatus ?? Self.worstStatus(findings, period: period)).rawValue, error: g.error,
            archCapabilities: g.advertised,
            findings: Self.sorted(findings.map { finding($0, period: period) }))
    }

    /// The worst status the findings gave their guest at any moment of the period.
    public static func worstStatus(_ findings: [HistoryFinding], period: ExportPeriod) -> GuestStatus {
        var worst = GuestStatus.compliant
        for f in findings {
            let states = f.states(during: period)
            if f.record.severity.isViolation && states.contains(.open) { return .violating }
            if f.record.rule == .configUnreadable && !states.isEmpty { worst = min(worst, .unreadable) }
            if f.record.severity.isViolation && states.contains(.waived) { worst = min(worst, .waived) }
        }
        return worst
    }

    private func finding(_ f: HistoryFinding, period: ExportPeriod) -> FindingDocument {
        let r = f.record
        let state = f.state(at: period.to.addingTimeInterval(-0.001)) ?? .open
        let resolvedAt = state == .resolved ? f.transitions.last { $0.kind == .resolved }?.at : nil
        let waiver = r.waiverReason.map {
            FindingDocument.WaiverDoc(reason: $0, expires: r.waiverExpires ?? "", active: state == .waived, bits: nil)
        }
        return FindingDocument(
            id: r.findingID, rule: r.rule.rawValue, severity: r.severity, bits: r.bits.names,
            pool: r.pool, poolHost: r.poolHost, direction: r.direction, message: r.message,
            state: state,
            firstSeen: f.openedAt, lastSeen: f.lastSeen.map { min($0, period.to) },
            resolvedAt: resolvedAt, waiver: waiver,
            origins: r.origins.isEmpty ? nil : r.origins.map(\.description))
    }

    /// Worst first, then by rule, pool host, direction and bits (the order checks use). The keys
    /// are built once per finding, not per comparison, and positions are sorted rather than the
    /// large documents (a guest of a long period has hundreds of findings).
    static func sorted(_ findings: [FindingDocument]) -> [FindingDocument] {
        let keys = findings.map {
            ($0.severity, $0.rule, $0.poolHost ?? "", $0.direction?.rawValue ?? "", $0.bits.joined(separator: ","))
        }
        return findings.indices.sorted { keys[$0] < keys[$1] }.map { findings[$0] }
    }
}
