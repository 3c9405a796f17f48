import Foundation
import GuestCapStore
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

/// Exports of earlier periods from a real history database in which findings were waived and
/// un-waived several times: each period must show the states the findings had *then*.
@Suite("Export of an earlier period from the history database")
struct HistoryPeriodTests {
    static let t0 = Fixtures.date("2026-11-01T00:00:00Z")
    static func at(_ hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    /// Per guest: from which hour its one finding (a forced taa-no that its live status records,
    /// so the guest is told it) is waived (true) or open (false).
    static let schedule: [String: [(hour: Double, waived: Bool)]] = [
        "waived-05": [(1, false), (2, true), (5, false), (6, true), (7, false), (8, true)],
        // Opened already waived, then expired, then waived again much later.
        "waived-07": [(1, true), (3, false), (8, true)],
    ]

    static func waived(_ guest: String, at hour: Double) -> Bool? {
        schedule[guest]!.last { $0.hour <= hour }?.waived
    }

    /// Writes the history: one audit at every scheduled hour, as the daemon commits it.
    static func writeHistory(_ path: String) throws {
        let store = try HistoryStore(path: path)
        let hostID = try store.recordHost(Fixtures.cascadeLake, at: t0).id
        let hours = Set(schedule.values.flatMap { $0.map(\.hour) }).sorted()
        for hour in hours {
            var verdicts: [GuestVerdict] = []
            for (i, name) in schedule.keys.sorted().enumerated() {
                // The waiver policy waives the finding; the built-in one leaves it open.
                let policy = waived(name, at: hour)! ? Fixtures.policy : .builtIn
                let engine = PolicyEngine(policy: policy, now: at(hour))
                let c = Fixtures.config(
                    name, .kvmDefault(label: "host-model"),
                    [(.set(Fixtures.bits("taa-no")), "<feature policy='force' name='taa-no'/>")],
                    source: .libvirtLive, uuid: "0a000000-0000-4000-8000-00000000010\(i)")
                verdicts.append(
                    engine.evaluate(
                        c, identity: GuestIdentity(source: c.source, uuid: c.uuid, path: c.path),
                        current: engine.assess(Fixtures.cascadeLake)))
            }
            let host = HostAssessment(snapshot: Fixtures.cascadeLake)
            let drafts = AuditDiff.transitions(
                previous: try store.activeFindings(),
                current: verdicts.flatMap { FindingRecord.records(for: $0, host: host) })
            _ = try store.commit(
                AuditCommit(at: at(hour), hostSnapshotID: hostID, verdicts: verdicts, transitions: drafts))
        }
    }

    @Test("every period shows the state the finding had at its end and the guest's worst status during it")
    func earlierPeriods() throws {
        let dir = Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeHistory(dir + "/history.sqlite")
        let history = try openHistory(dir + "/history.sqlite")

        // Periods starting every half hour, short and long, before, between and after the changes.
        for start in stride(from: 0.5, through: 9.5, by: 0.5) {
            for length in [0.25, 0.75, 2.5] {
                let period = try ExportPeriod(from: Self.at(start), to: Self.at(start + length))
                let report = try ReportAssembler(policy: .builtIn, now: Self.at(12)).report(
                    from: history, period: period)
                for name in Self.schedule.keys {
                    let label = "\(name) in [\(start), \(start + length))"
                    let endHour = start + length - 0.01
                    guard let expectedEnd = Self.waived(name, at: endHour) else {
                        #expect(!report.guests.contains { $0.name == name }, "\(label): not yet there")
                        continue
                    }
                    let guest = try #require(report.guests.first { $0.name == name }, "\(label)")
                    let finding = try #require(
                        guest.findings.first { $0.rule == Rule.unjustifiedImmunity.rawValue },
                        "\(label)")
                    #expect(finding.state == (expectedEnd ? .waived : .open), "\(label): state at the end")
                    #expect(finding.firstSeen == Self.at(Self.schedule[name]![0].hour), "\(label): first seen")
                    // Open at some moment of the period: at its start, or after a change inside it.
                    let changes = Self.schedule[name]!.filter { $0.hour > start && $0.hour < start + length }
                    let states = [Self.waived(name, at: start)].compactMap { $0 } + changes.map(\.waived)
                    #expect(guest.status == (states.contains(false) ? "violating" : "waived"), "\(label): worst status")
                }
            }
        }
    }
}
