import Foundation
import GuestCapStore
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

/// R beside G and the direction of migration findings, from the history database to every
/// export format (policy-model §2-§3).
@Suite("Exports show what a guest asks for, what it is told, and which way a migration goes")
struct RequestedExportTests {
    static let at = Fixtures.date("2026-11-24T06:00:00Z")

    /// web-01 forces taa-no, which KVM on Cascade Lake does not provide: QEMU drops it. Its pool
    /// gives it an outgoing migration finding; an incoming one is added as the engine makes them.
    static func webVerdict() -> GuestVerdict {
        let engine = PolicyEngine(policy: Fixtures.policy, now: at)
        let c = Fixtures.config(
            "web-01", .kvmDefault(label: "host-model"),
            [(.set(Fixtures.bits("taa-no")), "<feature policy='force' name='taa-no'/>")],
            uuid: "0a000000-0000-4000-8000-000000000001")
        let identity = GuestIdentity(source: c.source, uuid: c.uuid, path: c.path)
        var v = engine.evaluate(c, identity: identity, current: engine.assess(Fixtures.cascadeLake))
        v.findings.append(
            Finding(
                subject: identity.description, rule: .migrationUnsafe, severity: .error,
                bits: Fixtures.bits("mds-no"), pool: "maintenance", poolHost: "kvm-skx-07",
                direction: .incoming, message: "booted on kvm-skx-07 it is told mds-no"))
        return v
    }

    static func exported() throws -> ReportDocument {
        let dir = Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try HistoryStore(path: dir + "/history.sqlite")
        let hostID = try store.recordHost(Fixtures.cascadeLake, at: Fixtures.period.from).id
        let v = webVerdict()
        let records = FindingRecord.records(for: v, host: HostAssessment(snapshot: Fixtures.cascadeLake))
        _ = try store.commit(
            AuditCommit(
                at: at, hostSnapshotID: hostID, verdicts: [v],
                transitions: AuditDiff.transitions(previous: [], current: records)))
        let history = try openHistory(dir + "/history.sqlite")
        return try ReportAssembler(policy: Fixtures.policy, now: Fixtures.period.to).report(
            from: history, period: Fixtures.period)
    }

    @Test("the export from the history has R, dropped, the VMM and both directions, and validates")
    func fromHistory() throws {
        let report = try Self.exported()
        let guest = try #require(report.guests.first { $0.name == "web-01" })
        let a = try #require(guest.archCapabilities)
        let r = try #require(a.requested, "R is stored and read back")
        #expect(r.bits.contains("taa-no") && !a.bits.contains("taa-no"))
        #expect(r.provenance["taa-no"] == "<feature policy='force' name='taa-no'/> (line 11)")
        #expect(a.dropped == ["taa-no"] && a.vmm == "qemu-kvm")
        #expect(guest.findings.contains { $0.rule == Rule.requestDropped.rawValue && $0.bits == ["taa-no"] })
        let migration = guest.findings.filter { $0.rule == Rule.migrationUnsafe.rawValue }
        #expect(migration.map(\.direction) == [.incoming, .outgoing], "both, in the order checks list them")
        let v = try Fixtures.validate(report)
        #expect(v.status == 0, "\(v.out)\(v.err)")
    }

    @Test("CSV: direction, and G and R where they differ")
    func csv() throws {
        let report = try Self.exported()
        let text = CSVRenderer.render(report)
        let lines = text.components(separatedBy: "\r\n").dropLast()
        #expect(lines.first?.hasSuffix(",message,direction,guest_told,guest_requested") == true)
        let migration = lines.filter { $0.contains(",migration-unsafe,") }
        #expect(migration.count == 2)
        #expect(migration.contains { $0.contains(",outgoing,") } && migration.contains { $0.contains(",incoming,") })
        #expect(
            !lines.contains {
                $0.contains(",request-dropped,") && ($0.contains(",outgoing,") || $0.contains(",incoming,"))
            })
        // G and R are quoted lists (they hold commas): R has taa-no, G has not.
        let guest = try #require(report.guests.first { $0.name == "web-01" }?.archCapabilities)
        let told = "\"\(guest.bits.joined(separator: ","))\""
        let requested = "\"\(guest.requested!.bits.joined(separator: ","))\""
        #expect(text.contains(",\(told),\(requested)\r\n"))
    }

    @Test("HTML: an 'asks for' row with the dropped bit, and the incoming direction")
    func html() throws {
        let page = HTMLRenderer.render(try Self.exported())
        #expect(
            page.contains(
                "<tr class=\"requested\"><th class=\"gname ask\">asks for <span class=\"src\">qemu-kvm</span>"))
        #expect(
            page.contains(
                "<td class=\"cell drop\" title=\"&lt;feature policy=&#39;force&#39; name=&#39;taa-no&#39;/&gt; (line 11)\">↓</td>"
            ))
        #expect(page.contains("← kvm-skx-07 (incoming)") && page.contains("→ kvm-skx-07"))
        #expect(page.contains(HTMLRenderer.requestCSS))
        #expect(page.components(separatedBy: "<tr class=\"guest\"").count - 1 == 1, "the R row is not a guest row")
    }

    @Test("a guest told what it asks for renders as before R was recorded: same HTML and CSV rows")
    func sameWhenEqual() throws {
        var withoutR = Fixtures.report()
        var equalR = Fixtures.report()
        for i in withoutR.guests.indices {
            withoutR.guests[i].archCapabilities?.requested = nil
            withoutR.guests[i].archCapabilities?.dropped = nil
            withoutR.guests[i].archCapabilities?.vmm = nil
            if let a = equalR.guests[i].archCapabilities {
                equalR.guests[i].archCapabilities?.requested = .init(
                    value: a.value, bits: a.bits, visible: a.visible,
                    provenance: a.provenance)
                equalR.guests[i].archCapabilities?.dropped = []
            }
        }
        let page = HTMLRenderer.render(equalR)
        #expect(page == HTMLRenderer.render(withoutR))
        #expect(!page.contains("<tr class=\"requested\">") && !page.contains("th.ask"))
        #expect(CSVRenderer.render(equalR) == CSVRenderer.render(withoutR))
        // The fixture itself has a guest that asks for more than it is told.
        #expect(HTMLRenderer.render(Fixtures.report()).contains("<tr class=\"requested\">"))
    }
}
