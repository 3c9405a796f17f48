import Foundation
import GuestCapCore
import Testing
@testable import GuestCapStore

@Suite("History store")
struct HistoryStoreTests {
    let dir = TempDir()

    var web: Fixture.GuestSpec {
        Fixture.GuestSpec(
            name: "web-1", uuid: "0D7C3F2A-1111-4222-8333-444455556666",
            findings: [
                (.unjustifiedImmunity, Fixture.bits("mds-no"), .open),
                (.missedImmunity, Fixture.bits("taa-no"), .open),
            ])
    }
    var db: Fixture.GuestSpec { Fixture.GuestSpec(name: "db-1", uuid: nil, findings: []) }

    @Test func hostRoundTripAndChangeDetection() throws {
        let store = try HistoryStore(path: dir.database)
        let first = try store.recordHost(Fixture.host(), at: Fixture.t0)
        #expect(first.changed)
        var later = Fixture.host()
        later.since = Fixture.at(hours: 5)  // the timestamp is not a fact
        let same = try store.recordHost(later, at: Fixture.at(hours: 1))
        #expect(same == (first.id, false))
        let current = try #require(try store.currentHost())
        #expect(current.id == first.id)
        #expect(current.snapshot.withoutTimestamp == Fixture.host().withoutTimestamp)
        #expect(current.snapshot.since == Fixture.t0)
        #expect(current.hardware == CapabilitySet(rawValue: 0x0c0a_e0eb))

        let upgraded = try store.recordHost(Fixture.host(kernel: "6.1.0-21-amd64"), at: Fixture.at(hours: 2))
        #expect(upgraded.changed && upgraded.id != first.id)
        #expect(try store.host(inEffectAt: Fixture.at(hours: 1))?.id == first.id)
        #expect(try store.host(inEffectAt: Fixture.at(hours: 3))?.id == upgraded.id)
        #expect(try store.host(inEffectAt: Fixture.t0.addingTimeInterval(-1)) == nil)
        let states = try store.hostSnapshots(from: Fixture.t0, to: Fixture.at(hours: 10))
        #expect(states.map(\.id) == [first.id, upgraded.id])
        #expect(states[0].ended == Fixture.at(hours: 2))
    }

    @Test func auditRoundTrip() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        let run = try store.beginRun(pid: 4242, version: "0.1.0", at: Fixture.t0)
        let committed = try Fixture.audit(store, [web, db], host: host, at: Fixture.at(hours: 1), run: run)
        #expect(committed.map(\.kind) == [.opened, .opened])
        #expect(committed.allSatisfy { !$0.sent && $0.hostSnapshotID == host && $0.configVersionID != nil })
        #expect(Set(committed.map(\.id)).count == 2)
        #expect(committed.allSatisfy { UUID(uuidString: $0.id) != nil && $0.id == $0.id.lowercased() })

        let active = try store.activeFindings()
        let expected = FindingRecord.records(for: web.verdict(), host: HostAssessment(snapshot: Fixture.host()))
        #expect(Set(active) == Set(expected))

        let guests = try store.knownGuests()
        #expect(guests.count == 2)
        let w = try #require(guests.first { $0.name == "web-1" })
        #expect(w.identity == web.identity)
        #expect(w.uuid == "0d7c3f2a-1111-4222-8333-444455556666")
        #expect(w.status == .violating)
        #expect(w.firstSeen == Fixture.at(hours: 1))
        let version = try #require(w.configVersions.first)
        #expect(version.advertised == Fixture.bits("mds-no"))
        #expect(version.visible == true)
        #expect(version.contentHash == SHA256.hex(of: "web-1 a"))
        #expect(version.provenance == ["mds-no": "<feature policy='force' name='mds-no'/> (line 12)"])
        let d = try #require(guests.first { $0.name == "db-1" })
        #expect(d.identity.description == "libvirt:path:/etc/libvirt/qemu/db-1.xml")
        #expect(d.status == .compliant)

        let status = try store.status()
        #expect(status.lastAudit == Fixture.at(hours: 1))
        #expect(status.run?.pid == 4242)
        try store.endRun(run, at: Fixture.at(hours: 2))
        #expect(try store.status().run?.ended == Fixture.at(hours: 2))
    }

    @Test func noRowWhenNothingChanged() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        try Fixture.audit(store, [web, db], host: host, at: Fixture.at(hours: 1))
        let before = try Fixture.counts(store)
        let again = try Fixture.audit(store, [web, db], host: host, at: Fixture.at(hours: 2))
        #expect(again.isEmpty)
        _ = try store.recordHost(Fixture.host(), at: Fixture.at(hours: 2))
        #expect(try Fixture.counts(store) == before)
        // A real edit: one new configuration version, findings unchanged.
        var edited = web
        edited.variant = "b"
        try Fixture.audit(store, [edited, db], host: host, at: Fixture.at(hours: 3))
        var after = before
        after["config_version"]! += 1
        #expect(try Fixture.counts(store) == after)
    }

    @Test func lifecycleOpenWaivedExpiredResolved() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        var g = Fixture.GuestSpec(name: "app", uuid: nil, findings: [(.hiddenDisclosure, Fixture.bits("rrsba"), .open)])
        try Fixture.audit(store, [g], host: host, at: Fixture.at(hours: 1))
        #expect(try store.status().guests.first?.status == .violating)
        g.findings[0].2 = .waived
        try Fixture.audit(store, [g], host: host, at: Fixture.at(hours: 2))
        #expect(try store.status().guests.first?.status == .waived)
        #expect(try store.status().counts.waivedFindings == 1)
        g.findings[0].2 = .open
        try Fixture.audit(store, [g], host: host, at: Fixture.at(hours: 3))
        g.findings = []
        try Fixture.audit(store, [g], host: host, at: Fixture.at(hours: 4))
        #expect(try store.activeFindings().isEmpty)
        #expect(try store.status().guests.first?.status == .compliant)

        let events = try store.history(HistoryFilter(guest: "app", includeHostChanges: false))
        #expect(events.map(\.kind) == [.opened, .waived, .waiverExpired, .resolved])
        #expect(events.map { $0.finding?.state } == [.open, .waived, .open, .resolved])
        let life = try #require(try store.findingLifecycles(from: Fixture.t0, to: Fixture.at(hours: 10)).first)
        #expect(life.openedAt == Fixture.at(hours: 1))
        #expect(life.waivedAt == Fixture.at(hours: 2))
        #expect(life.waiverExpiredAt == Fixture.at(hours: 3))
        #expect(life.resolvedAt == Fixture.at(hours: 4))
        #expect(life.record.state == .resolved)
        #expect(life.transitions.count == 4)
        let inside = try store.findingLifecycles(from: Fixture.at(hours: 2.5), to: Fixture.at(hours: 10))
        #expect(inside.first?.transitions.map(\.kind) == [.waiverExpired, .resolved])
        #expect(inside.first?.before?.kind == .waived, "the state it entered the period in")
        #expect(inside.first?.before?.at == Fixture.at(hours: 2))
        #expect(life.before == nil, "opened inside the period")

        // The same finding coming back is a new episode.
        g.findings = [(.hiddenDisclosure, Fixture.bits("rrsba"), .open)]
        try Fixture.audit(store, [g], host: host, at: Fixture.at(hours: 5))
        #expect(try Fixture.counts(store)["finding"] == 2)
        let seen = try store.guestsSeen(from: Fixture.t0, to: Fixture.at(hours: 10))
        #expect(seen.first?.worstStatus == .violating)
        let quiet = try store.guestsSeen(from: Fixture.at(hours: 4), to: Fixture.at(hours: 4.5))
        #expect(quiet.first?.worstStatus == .compliant)
        let waived = try store.guestsSeen(from: Fixture.at(hours: 2.2), to: Fixture.at(hours: 2.8))
        #expect(waived.first?.worstStatus == .waived)
    }

    @Test func unsentAndMarkSent() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        let committed = try Fixture.audit(store, [web], host: host, at: Fixture.at(hours: 1))
        #expect(try store.unsentTransitions().map(\.id) == committed.map(\.id))
        #expect(try store.unsentTransitions(limit: 1).count == 1)
        #expect(try store.unsentHostChanges().count == 1)
        try store.markSent([committed[0].id])
        #expect(try store.unsentTransitions().map(\.id) == [committed[1].id])
        // After a "restart" (a new store on the same file) the rest is still unsent.
        let reopened = try HistoryStore(path: dir.database)
        let pending = try reopened.unsentTransitions()
        #expect(pending.map(\.id) == [committed[1].id])
        #expect(pending[0].finding == committed[1].finding)
        try reopened.markSent(pending.map(\.id) + (try reopened.unsentHostChanges().map(\.id)))
        #expect(try reopened.unsentTransitions().isEmpty)
        #expect(try reopened.unsentHostChanges().isEmpty)
        #expect(try reopened.history(HistoryFilter()).filter { $0.kind != .hostChanged }.count == 2)
    }

    @Test func configVersionsUnreadableAndGone() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        var g = web
        try Fixture.audit(store, [g, db], host: host, at: Fixture.at(hours: 1))
        g.variant = "b"
        g.g = Fixture.bits("mds-no", "taa-no")
        try Fixture.audit(store, [g, db], host: host, at: Fixture.at(hours: 2))
        var guest = try #require(try store.knownGuests().first { $0.name == "web-1" })
        let current = try #require(guest.configVersions.first)
        #expect(current.began == Fixture.at(hours: 2))
        #expect(current.advertised == Fixture.bits("mds-no", "taa-no"))

        // Unreadable: the last good version stays, its violations stay open, config-unreadable opens.
        var broken = g
        broken.unreadable = "line 3: mismatched tag"
        broken.findings.append((.configUnreadable, .empty, .open))
        try Fixture.audit(store, [broken, db], host: host, at: Fixture.at(hours: 3))
        guest = try #require(try store.knownGuests().first { $0.name == "web-1" })
        #expect(guest.configVersions.first?.id == current.id)
        #expect(guest.error == "line 3: mismatched tag")
        #expect(guest.status == .violating)  // an open violation outranks unreadable
        let dbBroken = Fixture.GuestSpec(
            name: "db-1", uuid: nil, findings: [(.configUnreadable, .empty, .open)],
            unreadable: "empty file")
        try Fixture.audit(store, [broken, dbBroken], host: host, at: Fixture.at(hours: 3.5))
        #expect(try store.knownGuests().first { $0.name == "db-1" }?.status == .unreadable)

        // Gone: resolved by the daemon's diff, the guest and its version end.
        try Fixture.audit(store, [dbBroken], host: host, at: Fixture.at(hours: 4), gone: [g])
        #expect(try store.knownGuests().map(\.name) == ["db-1"])
        let seen = try store.guestsSeen(from: Fixture.t0, to: Fixture.at(hours: 5))
        let gone = try #require(seen.first { $0.name == "web-1" })
        #expect(gone.goneAt == Fixture.at(hours: 4))
        #expect(gone.configVersions.count == 2)
        #expect(gone.configVersions.last?.ended == Fixture.at(hours: 4))
        #expect(gone.worstStatus == .violating)
        let resolved = try store.history(HistoryFilter(guest: "web-1", since: Fixture.at(hours: 4)))
        #expect(resolved.count == 3 && resolved.allSatisfy { $0.kind == .resolved })
        #expect(resolved.allSatisfy { $0.configVersionID == current.id })
        // Coming back: present again, a new version.
        try Fixture.audit(store, [g, dbBroken], host: host, at: Fixture.at(hours: 6))
        let back = try #require(try store.knownGuests().first { $0.name == "web-1" })
        #expect(back.goneAt == nil && back.configVersions.first?.began == Fixture.at(hours: 6))
    }

    @Test func statusWorstFirst() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        let a = Fixture.GuestSpec(name: "a", uuid: nil, findings: [(.missedImmunity, Fixture.bits("taa-no"), .open)])
        let b = Fixture.GuestSpec(
            name: "b", uuid: nil,
            findings: [
                (.unjustifiedImmunity, Fixture.bits("mds-no"), .waived),
                (.reservedBits, CapabilitySet(bits: [40]), .open),
            ])
        let c = Fixture.GuestSpec(
            name: "c", uuid: nil,
            findings: [
                (.hiddenDisclosure, Fixture.bits("rrsba"), .open),
                (.unjustifiedImmunity, Fixture.bits("mds-no"), .open),
            ])
        try Fixture.audit(store, [a, b, c], host: host, at: Fixture.at(hours: 1))
        let status = try store.status()
        #expect(status.guests.map(\.name) == ["c", "b", "a"])
        #expect(status.guests.map(\.status) == [.violating, .waived, .compliant])
        #expect(
            status.findings.map { "\($0.record.guestName!):\($0.record.rule.rawValue)" } == [
                "c:unjustified-immunity", "b:unjustified-immunity", "c:hidden-disclosure", "b:reserved-bits",
                "a:missed-immunity",
            ])
        #expect(
            status.counts
                == StoreStatus.Counts(
                    guests: 3, compliant: 1, violating: 1, waived: 1, unreadable: 0,
                    openFindings: 4, waivedFindings: 1))
        #expect(status.host?.id == host)
    }

    @Test func historyFilters() throws {
        let store = try HistoryStore(path: dir.database)
        let h1 = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        let other = Fixture.GuestSpec(
            name: "db-1", uuid: nil, findings: [(.missedImmunity, Fixture.bits("taa-no"), .open)])
        try Fixture.audit(store, [web, other], host: h1, at: Fixture.at(hours: 1))
        let h2 = try store.recordHost(Fixture.host(kernel: "6.1.0-21-amd64"), at: Fixture.at(hours: 2)).id
        var fixed = web
        fixed.findings.removeFirst()
        try Fixture.audit(
            store, [fixed, other], host: h2, at: Fixture.at(hours: 2), note: "web-1: violating → compliant")

        let all = try store.history(HistoryFilter())
        #expect(all.map(\.kind) == [.hostChanged, .opened, .opened, .opened, .hostChanged, .resolved])
        let change = try #require(all[4].hostChange)
        #expect(change.changes == ["kernel: 6.1.0-18-amd64 → 6.1.0-21-amd64"])
        #expect(change.note == "web-1: violating → compliant")
        #expect(change.previous?.id == h1 && change.current.id == h2)
        #expect(all[0].hostChange?.previous == nil)

        #expect(try store.history(HistoryFilter(guest: "web-1")).filter { $0.kind != .hostChanged }.count == 3)
        #expect(
            try store.history(HistoryFilter(guest: "0D7C3F2A-1111-4222-8333-444455556666"))
                .filter { $0.kind != .hostChanged }.count == 3)
        #expect(try store.history(HistoryFilter(guest: "web-*")).filter { $0.kind != .hostChanged }.count == 3)
        #expect(try store.history(HistoryFilter(guest: "*-1")).filter { $0.kind != .hostChanged }.count == 4)
        #expect(try store.history(HistoryFilter(guest: "nobody")).isEmpty)
        let rule = try store.history(HistoryFilter(rule: .unjustifiedImmunity))
        #expect(rule.map(\.kind) == [.opened, .resolved])
        #expect(try store.history(HistoryFilter(guest: "db-1", rule: .unjustifiedImmunity)).isEmpty)
        let window = try store.history(HistoryFilter(since: Fixture.at(hours: 1.5), until: Fixture.at(hours: 3)))
        #expect(window.map(\.kind) == [.hostChanged, .resolved])
        #expect(try store.history(HistoryFilter(until: Fixture.at(hours: 1))).map(\.kind) == [.hostChanged])
        let latest = try store.history(HistoryFilter(limit: 2))
        #expect(latest.map(\.kind) == [.hostChanged, .resolved])
        #expect(try store.history(HistoryFilter(includeHostChanges: false)).count == 4)
        #expect(throws: StoreError.self) { try store.history(HistoryFilter(guest: "web-[")) }
    }

    @Test func pruneKeepsOpenFindings() throws {
        let store = try HistoryStore(path: dir.database)
        let h1 = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        let old = Fixture.GuestSpec(
            name: "old", uuid: nil, findings: [(.reservedBits, CapabilitySet(bits: [40]), .open)])
        var stays = Fixture.GuestSpec(
            name: "stays", uuid: nil,
            findings: [
                (.hiddenDisclosure, Fixture.bits("rrsba"), .open),
                (.missedImmunity, Fixture.bits("taa-no"), .open),
            ])
        let waived = Fixture.GuestSpec(
            name: "waived", uuid: nil,
            findings: [(.unjustifiedImmunity, Fixture.bits("mds-no"), .waived)])
        try Fixture.audit(store, [old, stays, waived], host: h1, at: Fixture.at(hours: 1))
        stays.findings.removeLast()
        let h2 = try store.recordHost(Fixture.host(kernel: "6.2"), at: Fixture.at(hours: 2)).id
        try Fixture.audit(store, [stays, waived], host: h2, at: Fixture.at(hours: 2), gone: [old])
        let activeBefore = try store.activeFindings()
        #expect(activeBefore.count == 2)

        #expect(try store.prune(resolvedBefore: Fixture.at(hours: 1.5)) == 0)
        let removed = try store.prune(resolvedBefore: Fixture.at(hours: 100))
        #expect(removed == 2)
        #expect(Set(try store.activeFindings()) == Set(activeBefore))
        let rows = try Fixture.counts(store)
        #expect(rows["finding"] == 2 && rows["transition"] == 2)
        #expect(rows["guest"] == 2)  // the gone guest had nothing left
        #expect(rows["host_snapshot"] == 2)  // both still referenced by kept transitions
        #expect(
            try store.history(HistoryFilter(guest: "stays")).filter { $0.kind != .hostChanged }.map(\.kind) == [.opened]
        )
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func readerSeesConsistentStateWhileDaemonWrites() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        try Fixture.audit(store, [web], host: host, at: Fixture.at(hours: 1))
        let reader = try HistoryStore(path: dir.database, readOnly: true)
        // While the writer holds an open write transaction, the CLI still reads the last commit.
        let seenInside: Int = try store.write("test") { db in
            try db.execute(sql: "UPDATE finding SET state = 'resolved', resolved_at = opened_at")
            return (try? reader.status().findings.count) ?? -1
        }
        #expect(seenInside == 2)  // the uncommitted write is invisible to the reader, and did not block it
        #expect(try reader.activeFindings().isEmpty)  // once committed, it is visible
        #expect(throws: StoreError.self) { _ = try reader.recordHost(Fixture.host(), at: Fixture.t0) }
        do {
            _ = try reader.commit(AuditCommit(at: Fixture.t0, hostSnapshotID: host))
            Issue.record("a read-only store wrote")
        } catch {
            #expect(error.isReadOnly)
        }
    }
}
