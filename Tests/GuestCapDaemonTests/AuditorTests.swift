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
        var config = DaemonConfiguration()
        config.hostRoot = w.hostRoot
        config.databasePath = w.database
        config.sources = [WatchedSource(kind: .libvirt, directory: w.guests)]
        try FileManager.default.createDirectory(atPath: w.dir + "/db", withIntermediateDirectories: true)
        let snapshot = HostProbe(root: HostRoot(w.hostRoot)).snapshot()

        let down = Auditor(configuration: config, policy: .builtIn, store: try HistoryStore(path: w.database),
                           sink: JournalSink(transport: JournalSinkTests.DownJournal(), logger: Logger(label: "t")),
                           logger: Logger(label: "t"), version: "test")
        try down.start(snapshot: snapshot, processes: nil)
        #expect(down.needsResend)
        #expect(try JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)"]).isEmpty)
        let unsent = try HistoryStore(path: w.database).unsentTransitions()
        #expect(unsent.contains { $0.finding.guestName == name && $0.kind == .opened })

        // Journald reachable again (a restart here): what was committed is sent, with its stored ids.
        let up = Auditor(configuration: config, policy: .builtIn, store: try HistoryStore(path: w.database),
                         sink: JournalSink(logger: Logger(label: "t")), logger: Logger(label: "t"), version: "test")
        try up.start(snapshot: snapshot, processes: nil)
        #expect(!up.needsResend)
        let found = try await JournalReader.wait(["GUESTCAP_GUEST_NAME=\(name)"], count: unsent.filter { $0.finding.guestName == name }.count)
        #expect(Set(found.compactMap { $0["GUESTCAP_TRANSITION_ID"] })
                == Set(unsent.filter { $0.finding.guestName == name }.map(\.id)))
        #expect(try HistoryStore(path: w.database).unsentTransitions().isEmpty)
        up.stop()
        down.stop()
    }
}
