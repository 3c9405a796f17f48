import Foundation
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

/// An in-memory history: what the store returns, without a database.
struct MemoryHistory: ExportHistory {
    var states: [HostSnapshot]
    var guestList: [HistoryGuest]
    var findingList: [HistoryFinding]
    var last: Date?
    func hostStates(in period: ExportPeriod) throws -> [HostSnapshot] {
        states.filter { s in
            let next = states.first { ($0.since ?? .distantPast) > (s.since ?? .distantPast) }?.since
            return period.overlaps(start: s.since ?? .distantPast, end: next)
        }
    }
    func guests(in period: ExportPeriod) throws -> [HistoryGuest] { guestList }
    func findings(in period: ExportPeriod) throws -> [HistoryFinding] { findingList }
    func lastAudit() throws -> Date? { last }
}

@Suite("Report of a period from the history")
struct ReportAssemblerTests {
    let d = Fixtures.date

    func record(_ subject: String, _ rule: Rule, _ severity: Severity, _ bits: String...) -> FindingRecord {
        FindingRecord(
            findingID: "\(subject)/\(rule.rawValue)", subject: subject, rule: rule, severity: severity,
            bits: try! CapabilitySet(names: bits), state: .open, message: "\(rule.rawValue) on \(subject)",
            source: .libvirt, configPath: "/etc/libvirt/qemu/x.xml")
    }

    func history() -> MemoryHistory {
        var microcode = Fixtures.cascadeLake
        microcode.cpu.microcode = "0x5003901"
        microcode.since = d("2026-11-24T12:00:00Z")
        let guests = ["a", "b", "c", "d", "e"].map {
            HistoryGuest(
                subject: "libvirt:path:/g/\($0).xml", source: .libvirt, path: "/g/\($0).xml", name: "guest-\($0)",
                advertised: .init(
                    value: "0x0000000000000120", bits: ["mds-no", "taa-no"], visible: true,
                    provenance: ["taa-no": "<feature policy='force' name='taa-no'/> (line 9)"]))
        }
        let g = guests.map(\.subject)
        return MemoryHistory(
            states: [Fixtures.cascadeLake, microcode], guestList: guests,
            findingList: [
                // a: open before the period, resolved in the middle → violating during the period, resolved at the end.
                HistoryFinding(
                    record: record(g[0], .unjustifiedImmunity, .critical, "taa-no"),
                    transitions: [
                        .init(.opened, at: d("2026-11-20T00:00:00Z")), .init(.resolved, at: d("2026-11-24T10:00:00Z")),
                    ]),
                // b: resolved before the period → not in the report, guest compliant.
                HistoryFinding(
                    record: record(g[1], .unjustifiedImmunity, .critical, "taa-no"),
                    transitions: [
                        .init(.opened, at: d("2026-11-20T00:00:00Z")), .init(.resolved, at: d("2026-11-23T00:00:00Z")),
                    ]),
                // c: waived the whole period → waived.
                HistoryFinding(
                    record: record(g[2], .unjustifiedImmunity, .critical, "taa-no"),
                    transitions: [.init(.waived, at: d("2026-11-20T00:00:00Z"))]),
                // d: waived, waiver expired during the period → violating, open at the end.
                HistoryFinding(
                    record: record(g[3], .hiddenDisclosure, .error, "rsba"),
                    transitions: [
                        .init(.waived, at: d("2026-11-20T00:00:00Z")),
                        .init(.waiverExpired, at: d("2026-11-24T18:00:00Z")),
                    ]),
                // e: config unreadable part of the period, and an info finding.
                HistoryFinding(
                    record: record(g[4], .configUnreadable, .warning),
                    transitions: [
                        .init(.opened, at: d("2026-11-24T05:00:00Z")), .init(.resolved, at: d("2026-11-24T06:00:00Z")),
                    ]),
                HistoryFinding(
                    record: record(g[4], .missedImmunity, .info, "mds-no"),
                    transitions: [.init(.opened, at: d("2026-11-24T05:00:00Z"))]),
                // opened after the period → not in it.
                HistoryFinding(
                    record: record(g[1], .reservedBits, .warning, "bit40"),
                    transitions: [.init(.opened, at: d("2026-11-26T00:00:00Z"))]),
            ], last: d("2026-11-24T23:59:30Z"))
    }

    @Test("worst status during the period, state at its end, lifecycle dates")
    func statuses() throws {
        let report = try ReportAssembler(policy: Fixtures.policy, now: d("2026-11-25T06:00:00Z"))
            .report(from: history(), period: Fixtures.period)
        let status = Dictionary(uniqueKeysWithValues: report.guests.map { ($0.name!, $0.status) })
        #expect(
            status == [
                "guest-a": "violating", "guest-b": "compliant", "guest-c": "waived",
                "guest-d": "violating", "guest-e": "unreadable",
            ])
        let a = try #require(report.guests.first { $0.name == "guest-a" }?.findings.first)
        #expect(
            a.state == .resolved && a.resolvedAt == d("2026-11-24T10:00:00Z")
                && a.firstSeen == d("2026-11-20T00:00:00Z"))
        #expect(report.guests.first { $0.name == "guest-b" }?.findings.isEmpty == true)
        #expect(report.guests.first { $0.name == "guest-d" }?.findings.first?.state == .open)
        #expect(report.guests.first { $0.name == "guest-c" }?.findings.first?.state == .waived)
        #expect(report.summary.guests == 5 && report.summary.violating == 2)
    }

    @Test("host facts from the stored snapshots: the last one is the host, all are host_snapshots; policy hash")
    func host() throws {
        let report = try ReportAssembler(policy: Fixtures.policy, now: d("2026-11-25T06:00:00Z"))
            .report(from: history(), period: Fixtures.period)
        #expect(report.host.cpu.microcode == "0x5003901")
        #expect(report.hostSnapshots?.map(\.cpu.microcode) == ["0x5003707", "0x5003901"])
        #expect(report.policy?.sha256 == Fixtures.policy.sha256)
        #expect(report.period == Fixtures.period.document)
        let v = try Fixtures.validate(report)
        #expect(v.status == 0, "\(v.out)\(v.err)")
    }

    @Test("a store that computed the worst status itself is believed")
    func storeStatus() throws {
        var h = history()
        h.guestList[1].worstStatus = .violating
        let report = try ReportAssembler(now: d("2026-11-25T06:00:00Z")).report(from: h, period: Fixtures.period)
        #expect(report.guests.first { $0.name == "guest-b" }?.status == "violating")
    }

    @Test("no host state at all is an error that says what to check")
    func empty() {
        #expect(throws: ExportError.self) {
            try ReportAssembler(now: Date()).report(
                from: MemoryHistory(states: [], guestList: [], findingList: []),
                period: Fixtures.period)
        }
    }
}
