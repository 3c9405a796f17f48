import Foundation
import GuestCapCore
import GuestCapStore

/// A year of history for a fleet of guests, written through the public API the way the daemon
/// writes it (one commit per audit, then markSent), then the queries the CLI and export run.
struct Benchmark {
    var guests = 1000
    var days = 365
    var editRate = 0.024  // per guest per simulated hour
    var waiverRate = 0.002  // per guest per simulated hour
    var hostEveryDays = 30
    var path = "/var/tmp/guestcap-store-bench/history.sqlite"
    /// Time the queries on the database already at `path` (no build, no prune).
    var reuse = false
    /// Leave the database unpruned, for `--reuse` runs and `guestcap export` afterwards.
    var prune = true

    init(arguments: [String]) {
        var it = arguments.makeIterator()
        while let a = it.next() {
            switch a {
            case "--guests": guests = Int(it.next() ?? "") ?? guests
            case "--days": days = Int(it.next() ?? "") ?? days
            case "--edit-rate": editRate = Double(it.next() ?? "") ?? editRate
            case "--path": path = it.next() ?? path
            case "--reuse":
                reuse = true
                prune = false
            case "--no-prune": prune = false
            default: fail("unknown argument \(a)")
            }
        }
    }

    func run() {
        do throws(StoreError) { try runThrowing() } catch { fail("\(error)") }
    }

    private func runThrowing() throws(StoreError) {
        let t0 = ReportCoding.parseDate("2025-01-01")!
        let end = t0.addingTimeInterval(Double(days) * 86_400)
        if !reuse { try build(from: t0, to: end) }
        try queries(from: t0, to: end)
    }

    /// Writes the simulated history into a fresh database at `path`.
    private func build(from t0: Date, to end: Date) throws(StoreError) {
        for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        let store = try HistoryStore(path: path)
        let run = try store.beginRun(pid: getpid(), version: "bench", at: t0)
        var sim = Simulation(guests: guests, seed: 0x5eed)

        print("guestcap-store-bench: \(guests) guests, \(days) days, one audit per simulated hour")
        let started = Date()
        var commits = 0
        var transitions = 0
        var hostChanges = 0
        var host = try store.recordHost(sim.hostSnapshot(), at: t0).id
        var hours = 0
        while true {
            let at = t0.addingTimeInterval(Double(hours) * 3600)
            if at >= end { break }
            var changed: Set<Int>
            var note: String?
            if hours > 0, hours % (hostEveryDays * 24) == 0 {
                sim.epoch += 1
                host = try store.recordHost(sim.hostSnapshot(), at: at).id
                hostChanges += 1
                changed = Set(0..<guests)  // a host change re-evaluates every guest
                note = "every guest re-evaluated"
            } else {
                changed = sim.events(editRate: editRate, waiverRate: waiverRate)
            }
            if !changed.isEmpty {
                let (verdicts, drafts) = sim.audit(changed.sorted())
                let committed = try store.commit(
                    AuditCommit(
                        at: at, hostSnapshotID: host, verdicts: verdicts,
                        transitions: drafts, hostTransition: drafts.isEmpty ? nil : note,
                        runID: run))
                try store.markSent(committed.map(\.id))
                commits += 1
                transitions += committed.count
            }
            hours += 1
            if hours % (24 * 30) == 0 {
                print(
                    "  day \(hours / 24): \(transitions) transitions, \(String(format: "%.0f", Date().timeIntervalSince(started))) s"
                )
            }
        }
        try store.endRun(run, at: end)
        try store.markSent(try store.unsentHostChanges().map(\.id))
        let buildTime = Date().timeIntervalSince(started)
        try store.checkpoint()
        let stats = try store.statistics()

        print("")
        print(
            "build: \(transitions) transitions in \(commits) commits, \(hostChanges) host changes: \(secs(buildTime))"
                + " (\(Int(Double(transitions) / buildTime)) transitions/s)")
        print("database: \(mib(stats.bytes)) (\(stats.bytes / Int64(max(1, transitions))) bytes per transition)")
        print("rows: " + stats.rows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }

    /// The CLI's and the export's queries over [t0, end), then (unless kept) a prune.
    private func queries(from t0: Date, to end: Date) throws(StoreError) {
        // The CLI's view: a separate read-only store, as `guestcap status` / `history` open it.
        let reader = try HistoryStore(path: path, readOnly: true)
        let year = (t0, end)
        let status = try time("status()", repeat: 5) { () throws(StoreError) in try reader.status() }
        print(
            "   → \(status.counts.guests) guests, \(status.findings.count) active findings, "
                + "\(status.counts.violating) violating")
        let one = try time("history(guest: vm-0500, one year)", repeat: 5) { () throws(StoreError) in
            try reader.history(HistoryFilter(guest: "vm-0500", since: year.0, until: year.1))
        }
        print("   → \(one.count) events")
        let glob = try time("history(guest: vm-05*, one year)", repeat: 3) { () throws(StoreError) in
            try reader.history(HistoryFilter(guest: "vm-05*", since: year.0, until: year.1))
        }
        print("   → \(glob.count) events")
        for limit in [100, 1000] {
            let all = try time("history(all guests, one year, limit \(limit))", repeat: 5) { () throws(StoreError) in
                try reader.history(HistoryFilter(since: year.0, until: year.1, limit: limit))
            }
            print("   → \(all.count) events")
        }
        let rule = try time("history(rule: unjustified-immunity, one year, limit 1000)", repeat: 5) {
            () throws(StoreError) in
            try reader.history(HistoryFilter(rule: .unjustifiedImmunity, since: year.0, until: year.1, limit: 1000))
        }
        print("   → \(rule.count) events")
        let hosts = try time("hostSnapshots(one year)", repeat: 3) { () throws(StoreError) in
            try reader.hostSnapshots(from: year.0, to: year.1)
        }
        print("   → \(hosts.count) host states")
        let lifecycles = try time("findingLifecycles(one year)", repeat: 1) { () throws(StoreError) in
            try reader.findingLifecycles(from: year.0, to: year.1)
        }
        print(
            "   → \(lifecycles.count) finding episodes, \(lifecycles.reduce(0) { $0 + $1.transitions.count }) transitions"
        )
        let episodes = try time("findingEpisodes(one year)", repeat: 1) { () throws(StoreError) in
            try reader.findingEpisodes(from: year.0, to: year.1)
        }
        print("   → \(episodes.count) finding episodes (what guestcap export reads)")
        let month = try time("findingLifecycles(last 30 days)", repeat: 3) { () throws(StoreError) in
            try reader.findingLifecycles(from: year.1.addingTimeInterval(-30 * 86_400), to: year.1)
        }
        print("   → \(month.count) finding episodes")
        let seen = try time("guestsSeen(one year)", repeat: 1) { () throws(StoreError) in
            try reader.guestsSeen(from: year.0, to: year.1)
        }
        print("   → \(seen.count) guests, \(seen.reduce(0) { $0 + $1.configVersions.count }) config versions")
        let integrity = try time("integrityCheck()", repeat: 1) { () throws(StoreError) in try reader.integrityCheck() }
        print("   → \(integrity.joined(separator: "; "))")
        guard prune else { return }
        let store = try HistoryStore(path: path)
        let cutoff = t0.addingTimeInterval(Double(days) * 86_400 / 2)
        let pruned = try time("prune(resolvedBefore: mid-year)", repeat: 1) { () throws(StoreError) in
            try store.prune(resolvedBefore: cutoff)
        }
        try store.checkpoint()
        let after = try store.statistics()
        print(
            "   → \(pruned) finding episodes removed; \(after.rows["transition"] ?? 0) transitions left; "
                + "file \(mib(after.bytes)) (pages are reused, not returned)")
    }

    private func time<T>(_ label: String, repeat n: Int, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        var times: [Double] = []
        var result: T?
        for _ in 0..<n {
            let start = DispatchTime.now().uptimeNanoseconds
            result = try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let sorted = times.sorted()
        let median = sorted[sorted.count / 2]
        let detail = n > 1 ? "median of \(n) \(secs(median)), first \(secs(times[0]))" : secs(times[0])
        print("\(label): \(detail)")
        return result!
    }

    private func secs(_ s: Double) -> String {
        s < 1 ? String(format: "%.1f ms", s * 1000) : String(format: "%.2f s", s)
    }

    private func mib(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("guestcap-store-bench: \(message)\n".utf8))
    exit(2)
}
