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
        _ = try store.commit(
            AuditCommit(at: at, hostSnapshotID: hostID, verdicts: result.verdicts, transitions: drafts))
    }

    @Test("status lists open findings worst first and exits 1; history shows the timeline; both read-only")
    func statusAndHistory() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = dir + "/history.sqlite"
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)
        // fc-its-template is told its-no as written (Firecracker), which Cascade Lake cannot back.
        do {
            let store = try HistoryStore(path: db)
            try Self.audit(store, host: "cascadelake", at: t0, guests: ["fc-its-template.json", "db-passthrough.xml"])
            try Self.audit(store, host: "cascadelake", at: t0 + 3600, guests: ["db-passthrough.xml"])
        }
        let s = try CLI.guestcap(["status", "--wide", "--database", db])
        #expect(s.status == 0, "the violating guest went away: \(s.stdout)\(s.stderr)")
        #expect(s.stdout.contains("Host kvm-clx-01"))

        do {
            let store = try HistoryStore(path: db)
            try Self.audit(
                store, host: "cascadelake", at: t0 + 7200, guests: ["fc-its-template.json", "db-passthrough.xml"])
        }
        let open = try CLI.guestcap(["status", "--wide", "--database", db])
        #expect(open.status == 1)
        let lines = open.stdout.split(separator: "\n")
        let first = try #require(lines.firstIndex { $0.hasPrefix("SEVERITY") })
        #expect(lines[first + 1].hasPrefix("critical") && lines[first + 1].contains("unjustified-immunity"))
        #expect(open.stdout.contains("2 guests: 1 violating"))
        let json = try CLI.guestcap(["status", "--wide", "--database", db, "--format", "json"])
        #expect(json.stdout.contains(#""violating" : 1"#))

        let h = try CLI.guestcap(["history", "--wide", "--database", db, "--rule", "unjustified-immunity"])
        #expect(h.status == 0)
        let events = h.stdout.split(separator: "\n").map(String.init)
        #expect(events.count == 3, "\(h.stdout)")
        #expect(events[0].contains("opened") && events[0].contains("[its-no]") && events[0].contains("fc-its-template"))
        #expect(events[1].contains("resolved"))
        #expect(events[2].contains("opened"))
        let since = try CLI.guestcap([
            "history", "--wide", "--database", db, "--guest", "fc-*",
            "--since", ReportCoding.formatDate(t0 + 60),
        ])
        let later = since.stdout.split(separator: "\n")
        #expect(later.count == 2, "the finding resolved, then opened again: \(since.stdout)")
        #expect(later.first?.contains("resolved") == true && later.last?.contains("opened") == true)
        #expect(since.stdout.split(separator: "\n").first?.contains("resolved") == true)
    }

    @Test("a missing or foreign database is a clear error with exit 2")
    func badDatabase() throws {
        let missing = try CLI.guestcap(["status", "--wide", "--database", "/nonexistent/h.sqlite"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent/h.sqlite does not exist"))
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "not a database".write(toFile: dir + "/x.sqlite", atomically: true, encoding: .utf8)
        let foreign = try CLI.guestcap(["history", "--wide", "--database", dir + "/x.sqlite"])
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("x.sqlite"))
        let badRule = try CLI.guestcap(["history", "--wide", "--database", dir + "/x.sqlite", "--rule", "nope"])
        #expect(badRule.status == 2 && badRule.stderr.contains("unknown rule 'nope'"))
    }

    @Test("status tells a running daemon from one that ended abruptly, by its PID and start time in /proc")
    func daemonLiveness() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func status(pid: Int32, started: Date, stopped: Bool = false) throws -> (text: String, json: [String: Any]) {
            let db = dir + "/\(UUID().uuidString).sqlite"
            do {
                let store = try HistoryStore(path: db)
                let run = try store.beginRun(pid: pid, version: "test", at: started)
                if stopped { try store.endRun(run, at: started + 60) }
            }
            let text = try CLI.guestcap(["status", "--wide", "--database", db]).stdout
            let json = try CLI.guestcap(["status", "--wide", "--database", db, "--format", "json"]).stdout
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            return (text, try #require(doc["daemon"] as? [String: Any]))
        }
        // This test process stands in for a running daemon: it started before now.
        let alive = try status(pid: getpid(), started: Date())
        #expect(alive.text.contains("Daemon: pid \(getpid())") && alive.text.contains(", running\n"), "\(alive.text)")
        #expect(alive.json["state"] as? String == "running")
        // A process that has exited.
        let done = try CLI.run("sh", ["-c", "echo $$"])
        let goneRun = try status(
            pid: Int32(done.stdout.trimmingCharacters(in: .whitespacesAndNewlines))!, started: Date())
        #expect(goneRun.text.contains("ended abruptly (no process"), "\(goneRun.text)")
        #expect(goneRun.json["state"] as? String == "ended-abruptly")
        // The PID is in use, by a process younger than the recorded run: reused.
        let reused = try status(pid: getpid(), started: Date(timeIntervalSinceNow: -30 * 86_400))
        #expect(
            reused.text.contains("ended abruptly (pid \(getpid()) now belongs to a process started later)"),
            "\(reused.text)")
        let stopped = try status(pid: getpid(), started: Date(timeIntervalSinceNow: -3600), stopped: true)
        #expect(stopped.text.contains(", stopped ") && stopped.json["state"] as? String == "stopped")
        #expect(!alive.text.contains("running or ended abruptly"))
    }

    @Test("a folder given as --database says it is a folder, not an SQLite I/O error")
    func databaseIsFolder() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for command in ["status", "history"] {
            let r = try CLI.guestcap([command, "--database", dir])
            #expect(r.status == 2)
            #expect(r.stderr.contains("\(dir): it is a folder, not a database file"), "\(r.stderr)")
            #expect(!r.stderr.contains("SQLite code") && !r.stderr.contains("disk I/O"), "\(r.stderr)")
        }
    }

    @Test("history --limit with a negative number says the limit must be positive")
    func negativeLimit() throws {
        let r = try CLI.guestcap(["history", "--wide", "--database", "/nonexistent/h.sqlite", "--limit", "-1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--limit must be positive"), "\(r.stderr)")
        #expect(!r.stderr.contains("Missing value"))
    }
}
