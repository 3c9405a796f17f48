import Foundation
import Testing
import GuestCapCore
import GuestCapSources
import GuestCapStore

/// `status` and `history` read a real database that an audit wrote through the store's API,
/// the same calls the daemon makes.
@Suite("guestcap status and history")
struct StatusHistoryCommandTests {
    /// Audits the example guests on one example host at `at`, as the daemon would.
    static func audit(_ store: HistoryStore, host: String, at: Date, guests: [String]) throws {
        let root = CLI.packageRoot
        let snapshot = HostProbe(root: HostRoot(root + "/examples/hosts/" + host)).snapshot()
        let engine = PolicyEngine(now: at)
        let assessed = engine.assess(snapshot)
        let (hostID, _) = try store.recordHost(snapshot, at: at)
        let loader = GuestConfigLoader()
        let outcomes = guests.flatMap { loader.load(path: $0.hasPrefix("/") ? $0 : root + "/examples/guests/" + $0) }
        let result = CheckEvaluation(outcomes: outcomes, engine: engine, host: assessed)
        let current = result.verdicts.flatMap { FindingRecord.records(for: $0, host: assessed) }
        let drafts = AuditDiff.transitions(previous: try store.activeFindings(), current: current)
        _ = try store.commit(AuditCommit(at: at, hostSnapshotID: hostID, verdicts: result.verdicts, transitions: drafts))
    }

    @Test("status lists open findings worst first and exits 1; history shows the timeline; both read-only")
    func statusAndHistory() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/history.sqlite"
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        // The running guest's live status: it was told the forced taa-no when it booted (on the
        // persistent file alone QEMU/KVM would drop the bit here, policy-model §2).
        let web = dir + "/web-force-taa.xml"
        let persistent = try String(contentsOfFile: CLI.packageRoot + "/examples/guests/web-force-taa.xml", encoding: .utf8)
        try ("<domstatus state='running' reason='booted'>\n" + persistent + "</domstatus>\n")
            .write(toFile: web, atomically: true, encoding: .utf8)
        do {
            let store = try HistoryStore(path: db)
            try Self.audit(store, host: "cascadelake", at: t0, guests: [web, "db-passthrough.xml"])
            try Self.audit(store, host: "cascadelake", at: t0 + 3600, guests: ["db-passthrough.xml"])
        }
        let s = try CLI.guestcap(["status", "--database", db])
        #expect(s.status == 0, "the violating guest went away: \(s.stdout)\(s.stderr)")
        #expect(s.stdout.contains("Host kvm-clx-01"))

        do {
            let store = try HistoryStore(path: db)
            try Self.audit(store, host: "cascadelake", at: t0 + 7200, guests: [web, "db-passthrough.xml"])
        }
        let open = try CLI.guestcap(["status", "--database", db])
        #expect(open.status == 1)
        let lines = open.stdout.split(separator: "\n")
        let first = try #require(lines.firstIndex { $0.hasPrefix("SEVERITY") })
        #expect(lines[first + 1].hasPrefix("critical") && lines[first + 1].contains("unjustified-immunity"))
        #expect(open.stdout.contains("2 guests: 1 violating"))
        let json = try CLI.guestcap(["status", "--database", db, "--format", "json"])
        #expect(json.stdout.contains(#""violating" : 1"#))

        let h = try CLI.guestcap(["history", "--database", db, "--rule", "unjustified-immunity"])
        #expect(h.status == 0)
        let events = h.stdout.split(separator: "\n").map(String.init)
        #expect(events.count == 3, "\(h.stdout)")
        #expect(events[0].contains("opened") && events[0].contains("[taa-no]") && events[0].contains("web-force-taa"))
        #expect(events[1].contains("resolved"))
        #expect(events[2].contains("opened"))
        let since = try CLI.guestcap(["history", "--database", db, "--guest", "web-*",
                                      "--since", ReportCoding.formatDate(t0 + 60)])
        let later = since.stdout.split(separator: "\n")
        #expect(later.count == 4, "two findings resolved, then opened again: \(since.stdout)")
        #expect(later.prefix(2).allSatisfy { $0.contains("resolved") } && later.suffix(2).allSatisfy { $0.contains("opened") })
        #expect(since.stdout.split(separator: "\n").first?.contains("resolved") == true)
    }

    @Test("a missing or foreign database is a clear error with exit 2")
    func badDatabase() throws {
        let missing = try CLI.guestcap(["status", "--database", "/nonexistent/h.sqlite"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/h.sqlite does not exist"))
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "not a database".write(toFile: dir + "/x.sqlite", atomically: true, encoding: .utf8)
        let foreign = try CLI.guestcap(["history", "--database", dir + "/x.sqlite"])
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("x.sqlite"))
        let badRule = try CLI.guestcap(["history", "--database", dir + "/x.sqlite", "--rule", "nope"])
        #expect(badRule.status == 2 && badRule.stderr.contains("unknown rule 'nope'"))
    }
}
