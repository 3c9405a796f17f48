import Foundation
import GRDB
import GuestCapCore
import Testing
@testable import GuestCapStore

/// What a v2 store keeps beside G: R, what the VMM dropped, which VMM, and the direction of
/// migration findings (policy-model §2-§3).
@Suite("R, dropped bits and directions in the history")
struct RequestedValueTests {
    let dir = TempDir()

    /// A libvirt/KVM guest that forces a bit KVM does not provide here: QEMU drops it, so R and
    /// G differ, and the engine reports `request-dropped`.
    static func verdict(variant: String = "a") -> GuestVerdict {
        let engine = PolicyEngine(now: Fixture.t0)
        let host = engine.assess(Fixture.host())
        let config = GuestConfig(
            source: .libvirt, path: "/etc/libvirt/qemu/web-9.xml", name: "web-9",
            uuid: "0d7c3f2a-9999-4222-8333-444455556666",
            cpu: GuestCPUConfig(
                base: .kvmDefault(label: "host-model"),
                baseOrigin: ConfigOrigin("<cpu mode='host-model'/>", line: 10),
                operations: [
                    CPUOperation(
                        .set(Fixture.bits("bit40")),
                        origin: ConfigOrigin("<feature policy='force' name='bit40'/>", line: 12))
                ]),
            accelerator: .kvm, contentHash: SHA256.hex(of: "web-9 \(variant)"))
        let identity = GuestIdentity(source: .libvirt, uuid: config.uuid, path: config.path)
        var v = engine.evaluate(config, identity: identity, current: host)
        // Both directions to one pool host, as the engine makes them for a pool.
        for direction in MigrationDirection.allCases {
            v.findings.append(
                Finding(
                    subject: identity.description, rule: .migrationUnsafe, severity: .error,
                    bits: Fixture.bits("mds-no"), pool: "maint", poolHost: "kvm-02",
                    direction: direction, message: "pool 'maint': \(direction.rawValue)"))
        }
        return v
    }

    @Test func requestedAndToldRoundTrip() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        let v = Self.verdict()
        let values = try #require(v.values)
        #expect(values.vmm == .qemuKVM && values.dropped == Fixture.bits("bit40"), "the premise: QEMU drops bit40")
        #expect(
            values.requested.value.contains(Fixture.bits("bit40")) && !values.told.value.contains(Fixture.bits("bit40"))
        )
        #expect(v.findings.contains { $0.rule == .requestDropped })

        let records = FindingRecord.records(for: v, host: HostAssessment(snapshot: Fixture.host()))
        let drafts = AuditDiff.transitions(previous: [], current: records)
        let committed = try store.commit(
            AuditCommit(
                at: Fixture.at(hours: 1), hostSnapshotID: host, verdicts: [v],
                transitions: drafts))
        #expect(committed.count == records.count)

        let version = try #require(try store.knownGuests().first?.configVersions.first)
        #expect(version.advertised == values.told.value && version.visible == values.told.visible)
        #expect(version.requested == values.requested.value && version.requestedVisible == values.requested.visible)
        #expect(version.dropped == Fixture.bits("bit40"))
        #expect(version.vmm == .qemuKVM)
        #expect(version.requestedProvenance?["bit40"] == "<feature policy='force' name='bit40'/> (line 12)")
        #expect(version.provenance["bit40"] == nil, "G's provenance has only what the guest is told")

        // Every finding reads back as it went in, direction included; the two directions are two findings.
        let active = try store.activeFindings()
        #expect(Set(active) == Set(records))
        let migration = active.filter { $0.rule == .migrationUnsafe }
        #expect(Set(migration.compactMap(\.direction)) == [.outgoing, .incoming])
        #expect(Set(migration.map(\.findingID)).count == 2)
        // The journal's resend path reads them from the store: the direction is there too.
        let unsent = try store.unsentTransitions().filter { $0.finding.rule == .migrationUnsafe }
        #expect(Set(unsent.compactMap(\.finding.direction)) == [.outgoing, .incoming])
        #expect(try store.unsentTransitions().contains { $0.finding.rule == .requestDropped })

        // The same audit again writes no new version; only R changing makes one.
        _ = try store.commit(AuditCommit(at: Fixture.at(hours: 2), hostSnapshotID: host, verdicts: [v]))
        #expect(try Fixture.counts(store)["config_version"] == 1)
        var other = v
        other.values?.dropped = .empty
        _ = try store.commit(AuditCommit(at: Fixture.at(hours: 3), hostSnapshotID: host, verdicts: [other]))
        #expect(try Fixture.counts(store)["config_version"] == 2)
    }

    @Test func historyAndExportReadDirections() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        let v = Self.verdict()
        let records = FindingRecord.records(for: v, host: HostAssessment(snapshot: Fixture.host()))
        _ = try store.commit(
            AuditCommit(
                at: Fixture.at(hours: 1), hostSnapshotID: host, verdicts: [v],
                transitions: AuditDiff.transitions(previous: [], current: records)))
        let events = try store.history(HistoryFilter(rule: .migrationUnsafe))
        #expect(Set(events.compactMap { $0.finding?.direction }) == [.outgoing, .incoming])
        let episodes = try store.findingEpisodes(from: Fixture.t0, to: Fixture.at(hours: 2))
        #expect(Set(episodes.compactMap(\.record.direction)) == [.outgoing, .incoming])
        let seen = try store.guestsSeen(from: Fixture.t0, to: Fixture.at(hours: 2))
        #expect(seen.first?.configVersions.last?.dropped == Fixture.bits("bit40"))
    }
}
