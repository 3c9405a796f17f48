import Foundation
import GuestCapCore
import GuestCapSources
import GuestCapStore
import Logging
import Testing
@testable import GuestCapDaemon

/// The auditor in-process, with a real store and the real journal (or one that is down).
@Suite struct AuditorTests {
    @Test func entriesCommittedWhileJournaldIsDownAreResentOnce() async throws {
        let w = try DaemonWorld()
        let name = w.marker
        w.put("\(name).xml", DaemonWorld.domain(name: name, force: ["taa-no"]))
        let config = try w.auditorConfiguration()
        let snapshot = HostProbe(root: HostRoot(w.hostRoot)).snapshot()

        let down = Auditor(
            configuration: config, policy: .builtIn, store: try HistoryStore(path: w.database),
            sink: JournalSink(transport: JournalSinkTests.DownJournal(), logger: Logger(label: "t")),
            logger: Logger(label: "t"), version: "test")
        try down.start(snapshot: snapshot, processes: nil)
        #expect(down.needsResend)
        #expect(try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)"]).isEmpty)
        let unsent = try HistoryStore(path: w.database).unsentTransitions()
        #expect(unsent.contains { $0.finding.guestName == name && $0.kind == .opened })

        // Journald reachable again (a restart here): what was committed is sent, with its stored ids.
        let up = Auditor(
            configuration: config, policy: .builtIn, store: try HistoryStore(path: w.database),
            sink: JournalSink(logger: Logger(label: "t")), logger: Logger(label: "t"), version: "test")
        try up.start(snapshot: snapshot, processes: nil)
        #expect(!up.needsResend)
        let found = try await JournalReader.wait(
            ["GUESTCAP_GUEST_NAME=\(name)"], count: unsent.filter { $0.finding.guestName == name }.count)
        #expect(
            Set(found.compactMap { $0["GUESTCAP_TRANSITION_ID"] })
                == Set(unsent.filter { $0.finding.guestName == name }.map(\.id)))
        #expect(try HistoryStore(path: w.database).unsentTransitions().isEmpty)
        up.stop()
        down.stop()
    }

    /// A persistent KVM domain forcing taa-no on a host whose KVM does not provide it: QEMU drops
    /// the bit, so the guest is not told it. The journal gets `request-dropped` (not a claim), and
    /// the store keeps R, G, the dropped bit and the VMM for the configuration version.
    @Test func droppedRequestIsLoggedAndStoredWithRAndG() async throws {
        let w = try DaemonWorld()
        let name = w.marker
        w.put("\(name).xml", DaemonWorld.domain(name: name, force: ["taa-no"], live: false))
        let config = try w.auditorConfiguration()
        let store = try HistoryStore(path: w.database)
        let auditor = Auditor(
            configuration: config, policy: .builtIn, store: store,
            sink: JournalSink(logger: Logger(label: "t")), logger: Logger(label: "t"), version: "test")
        try auditor.start(snapshot: HostProbe(root: HostRoot(w.hostRoot)).snapshot(), processes: nil)
        let found = try await JournalReader.wait(
            [
                "GUESTCAP_GUEST_NAME=\(name)",
                "MESSAGE_ID=\(MessageID.opened(.requestDropped).id)",
            ], count: 1)
        try #require(found.count == 1)
        #expect(found[0]["GUESTCAP_RULE"] == "request-dropped" && found[0]["GUESTCAP_BITS"] == "taa-no")
        #expect(found[0]["GUESTCAP_SOURCE"] == "libvirt" && found[0]["PRIORITY"] == "5")
        #expect(
            try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)", "GUESTCAP_RULE=unjustified-immunity"])
                .isEmpty)
        let version = try #require(try store.knownGuests().first { $0.name == name }?.configVersions.first)
        let taa = try CapabilitySet(names: ["taa-no"])
        #expect(version.vmm == .qemuKVM && version.dropped == taa)
        #expect(version.requested?.isSuperset(of: taa) == true && version.advertised?.isSuperset(of: taa) == false)
        #expect(version.requestedProvenance?["taa-no"]?.contains("policy='force' name='taa-no'") == true)
        auditor.stop()
    }

    /// Two files claiming one UUID are each identified by path (policy-model §3). When one of
    /// them takes another UUID, the other file, unchanged and not re-read, is identified by its
    /// UUID again; and back to paths when the claim is shared once more.
    @Test func sharedUUIDIdentityFollowsTheOtherFile() throws {
        let w = try DaemonWorld()
        let (u, v) = (UUID().uuidString.lowercased(), UUID().uuidString.lowercased())
        let (a, b) = (w.guests + "/a.xml", w.guests + "/b.xml")
        w.put("a.xml", DaemonWorld.domain(name: w.marker + "-a", uuid: u, force: ["taa-no"]))
        w.put("b.xml", DaemonWorld.domain(name: w.marker + "-b", uuid: u, force: ["taa-no"]))
        let config = try w.auditorConfiguration()
        let store = try HistoryStore(path: w.database)
        let auditor = Auditor(
            configuration: config, policy: .builtIn, store: store,
            sink: JournalSink(transport: JournalSinkTests.DownJournal(), logger: Logger(label: "t")),
            logger: Logger(label: "t"), version: "test")
        try auditor.start(snapshot: HostProbe(root: HostRoot(w.hostRoot)).snapshot(), processes: nil)
        func identities() throws -> Set<String> { Set(try store.knownGuests().map(\.identity.description)) }
        func openSubjects() throws -> Set<String> { Set(try store.activeFindings().map(\.subject)) }
        func changed(_ path: String) {
            var work = AuditInbox.Work()
            work.batch.changed = [w.guests: [path]]
            auditor.process(work)
        }
        let byPath = Set([a, b].map { GuestIdentity(source: .libvirtLive, path: $0).description })
        #expect(try identities() == byPath)
        #expect(try openSubjects() == byPath)

        w.put("b.xml", DaemonWorld.domain(name: w.marker + "-b", uuid: v, force: ["taa-no"]))
        changed(b)
        let byUUID = Set(
            [
                GuestIdentity(source: .libvirtLive, uuid: u, path: a),
                GuestIdentity(source: .libvirtLive, uuid: v, path: b),
            ]
            .map(\.description))
        #expect(try identities() == byUUID)
        #expect(try openSubjects() == byUUID)

        w.put("b.xml", DaemonWorld.domain(name: w.marker + "-b", uuid: u, force: ["taa-no"]))
        changed(b)
        #expect(try identities() == byPath)
        #expect(try openSubjects() == byPath)
        auditor.stop()
    }

    /// A waiver that expires while the daemon runs reopens its finding at the expiry, logged
    /// as waiver-expired, without a host sample or a reload (the sampler here waits 300 s).
    @Test func waiverExpiringWhileRunningIsLoggedOnTime() async throws {
        let w = try DaemonWorld()
        let name = w.marker
        w.put("\(name).xml", DaemonWorld.domain(name: name, force: ["taa-no"]))
        // The auditor's clock stands 2 s before the end of today (UTC), when a waiver that
        // expires "today" ends.
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let today = utc.startOfDay(for: Date())
        let day = utc.dateComponents([.year, .month, .day], from: today)
        let offset = utc.date(byAdding: .day, value: 1, to: today)!.addingTimeInterval(-2).timeIntervalSinceNow
        let policyFile = w.dir + "/policy.toml"
        try """
        [[waivers]]
        guests = ["\(name)"]
        rule = "unjustified-immunity"
        reason = "test waiver"
        expires = "\(String(format: "%04d-%02d-%02d", day.year!, day.month!, day.day!))"

        """.write(toFile: policyFile, atomically: true, encoding: .utf8)
        let policy = try PolicyLoader().load(path: policyFile)
        let config = try w.auditorConfiguration()
        let auditor = Auditor(
            configuration: config, policy: policy, store: try HistoryStore(path: w.database),
            sink: JournalSink(logger: Logger(label: "t")), logger: Logger(label: "t"), version: "test",
            clock: { Date().addingTimeInterval(offset) })
        try auditor.start(snapshot: HostProbe(root: HostRoot(w.hostRoot)).snapshot(), processes: nil)
        let waived = try await JournalReader.wait(
            ["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(MessageID.waived.id)"], count: 1)
        #expect(waived.count == 1)

        let inbox = AuditInbox()
        let heartbeat = Heartbeat()
        let service = AuditorService(
            auditor: auditor, inbox: inbox, heartbeat: heartbeat,
            notifier: NotifierService(heartbeat: heartbeat, logger: Logger(label: "t")),
            logger: Logger(label: "t"))
        let running = Task { await service.run() }
        // Only the waiver timer can log this (no sampler, no reload here), so waiting long is no
        // weaker a check: in a full run on 2 cores, other suites' CPU-bound tests hold both of the
        // concurrency pool's threads for 20 s and more at a time, and the timer's wake waits for one.
        let expired = try await JournalReader.wait(
            ["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(MessageID.waiverExpired.id)"],
            count: 1, timeout: .seconds(180))
        running.cancel()
        await running.value
        try #require(expired.count == 1)
        #expect(expired[0]["GUESTCAP_STATE"] == "open")
        #expect(
            try HistoryStore(path: w.database).activeFindings()
                .contains { $0.guestName == name && $0.rule == .unjustifiedImmunity && $0.state == .open })
    }
}
