import Foundation
import GRDB
import GuestCapCore
import GuestCapTestSupport
import Testing
@testable import GuestCapStore

@Suite("Failures and permissions")
struct FailureTests {
    let dir = TempDir()

    @Test func filesAreRootOnly() throws {
        let path = dir.path + "/var/lib/guestcap/history.sqlite"
        let store = try HistoryStore(path: path)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        try Fixture.audit(store, [Fixture.GuestSpec(name: "g", uuid: nil)], host: host, at: Fixture.t0)
        func mode(_ p: String) throws -> Int {
            try (FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as! NSNumber).intValue
        }
        #expect(try mode(dir.path + "/var/lib/guestcap") == 0o700)
        for file in FileAccess.files(of: path) {
            #expect(FileManager.default.fileExists(atPath: file), "\(file)")
            #expect(try mode(file) == 0o600, "\(file)")
        }
        // An existing database left readable by others is tightened on open.
        _ = chmod(path, 0o644)
        _ = try HistoryStore(path: path)
        #expect(try mode(path) == 0o600)
    }

    @Test func permissionErrorsSayRunAsRoot() {
        let e = StoreError.from(
            code: .SQLITE_CANTOPEN, extendedCode: 14, message: "unable to open database file",
            errno: EACCES, path: "/var/lib/guestcap/history.sqlite", operation: "open")
        #expect(e.isPermission && !e.isDiskFull && !e.isReadOnly)
        #expect(
            e.description == "cannot open /var/lib/guestcap/history.sqlite: permission denied "
                + "(the database is root-only; run as root)")
        let full = StoreError.from(
            code: .SQLITE_FULL, extendedCode: 13, message: "database or disk is full",
            errno: 0, path: "/var/lib/guestcap/history.sqlite", operation: "record the audit in")
        #expect(full.isDiskFull)
        #expect(
            full.description == "cannot record the audit in /var/lib/guestcap/history.sqlite: database or disk is "
                + "full (SQLITE_FULL): free space on /var/lib/guestcap; guestcap keeps auditing and will catch up")
        let ro = StoreError.from(
            code: .SQLITE_READONLY, extendedCode: 8, message: "attempt to write a readonly database",
            errno: 0, path: "/x/h.sqlite", operation: "record the audit in")
        #expect(ro.isReadOnly && ro.description.contains("read-only"))
    }

    /// An unprivileged user cannot read the root-only database, and guestcap says why.
    @Test(.enabled(if: getuid() == 0, "needs root, to drop to an unprivileged user"), .needs(.sqlite3))
    func unprivilegedUserIsRefused() throws {
        _ = chmod(dir.path, 0o755)  // only the database's own bits stand in the way
        let store = try HistoryStore(path: dir.database)
        _ = try store.recordHost(Fixture.host(), at: Fixture.t0)
        let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
        let r = Shell.run(
            "/usr/bin/setpriv", nobody + [try TestTool.sqlite3.require(), dir.database, "SELECT count(*) FROM guest"])
        #expect(r.status != 0)
        if let bench = Shell.bench {
            let r = Shell.run("/usr/bin/setpriv", nobody + [bench, "probe", dir.database])
            #expect(r.status == 3, "\(r.err)")
            #expect(
                r.err.contains(
                    "cannot open \(dir.database): permission denied (the database is root-only; run as root)"))
            let asRoot = Shell.run(bench, ["probe", dir.database])
            #expect(asRoot.status == 0, "\(asRoot.err)")
        }
    }

    @Test func readOnlyOpenRefusesWritesAndMissingFileIsNamed() throws {
        do {
            _ = try HistoryStore(path: dir.database, readOnly: true)
            Issue.record("opened a missing database")
        } catch {
            #expect(error.kind == .missing)
            #expect(error.description.contains("no such file"))
        }
        _ = try HistoryStore(path: dir.database)
        let reader = try HistoryStore(path: dir.database, readOnly: true)
        do {
            _ = try reader.beginRun(pid: 1, version: "x", at: Fixture.t0)
            Issue.record("wrote through a read-only store")
        } catch {
            #expect(error.isReadOnly)
        }
    }

    @Test(.enabled(if: Tmpfs.available)) func readOnlyFileSystem() throws {
        let fs = try #require(Tmpfs(size: "4m"))
        let path = fs.dir.path + "/history.sqlite"
        do {
            let store = try HistoryStore(path: path)
            _ = try store.recordHost(Fixture.host(), at: Fixture.t0)
        }
        #expect(fs.remount(readOnly: true))
        do {
            _ = try HistoryStore(path: path)
            Issue.record("opened a database on a read-only file system for writing")
        } catch {
            #expect(error.isReadOnly, "\(error)")
            #expect(error.description.hasPrefix("cannot open \(path): the database is read-only"))
        }
        // The CLI still reads it.
        let reader = try HistoryStore(path: path, readOnly: true)
        #expect(try reader.currentHost()?.snapshot.hostname == "kvm-01")
    }

    @Test(.enabled(if: Tmpfs.available)) func fullDiskIsReportedAndNothingHalfWritten() throws {
        let fs = try #require(Tmpfs(size: "1m"))
        let path = fs.dir.path + "/history.sqlite"
        let store = try HistoryStore(path: path)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        var failure: StoreError?
        var committed = 0
        for i in 0..<2000 where failure == nil {
            let guests = (0..<20).map { j in
                Fixture.GuestSpec(
                    name: "g\(i)-\(j)-" + String(repeating: "x", count: 200), uuid: nil,
                    findings: [(.reservedBits, CapabilitySet(bits: [40]), .open)])
            }
            do {
                try Fixture.audit(store, guests, host: host, at: Fixture.at(hours: Double(i)))
                committed += 1
            } catch let e as StoreError {
                failure = e
            }
        }
        let e = try #require(failure)
        #expect(e.isDiskFull, "\(e)")
        #expect(e.description.contains("database or disk is full (SQLITE_FULL): free space on \(fs.dir.path)"))
        // Every commit that returned landed whole (20 guests opened, the previous 20 resolved as
        // they were not audited again); the failed one left nothing.
        let rows = try Fixture.counts(store)
        #expect(committed > 0)
        #expect(rows["guest"] == committed * 20)
        #expect(rows["transition"] == committed * 20 + (committed - 1) * 20)
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test func notAGuestcapDatabase() throws {
        let garbage = dir.path + "/garbage.sqlite"
        _ = FileManager.default.createFile(atPath: garbage, contents: Data(repeating: 0x41, count: 4096))
        #expect(throws: StoreError.self) { _ = try HistoryStore(path: garbage) }
        do { _ = try HistoryStore(path: garbage) } catch { #expect(error.kind == .notGuestcap, "\(error)") }

        let other = dir.path + "/other.sqlite"
        try DatabaseQueue(path: other).write { try $0.execute(sql: "CREATE TABLE player (id INTEGER PRIMARY KEY)") }
        do {
            _ = try HistoryStore(path: other)
            Issue.record("opened another application's database")
        } catch {
            #expect(error.kind == .notGuestcap)
            #expect(error.description.contains("it is not a guestcap database (its tables are player)"))
        }

        let newer = dir.path + "/newer.sqlite"
        _ = try HistoryStore(path: newer)
        try DatabaseQueue(path: newer).write { try $0.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99')") }
        do {
            _ = try HistoryStore(path: newer)
            Issue.record("opened a database from the future")
        } catch {
            #expect(error.kind == .newerSchema)
        }
    }

    /// Kill a writer mid-commit: the database is sound and every commit landed whole or not at all.
    @Test(.enabled(if: Shell.bench != nil)) func killedWriterLeavesWholeCommits() throws {
        let bench = try #require(Shell.bench)
        let batch = 25
        for attempt in 0..<3 {
            let path = dir.path + "/crash-\(attempt).sqlite"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: bench)
            p.arguments = ["writer", path, String(batch)]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            var seen = 0
            let reader = out.fileHandleForReading
            while seen < 20 + attempt * 15 {
                let data = reader.availableData
                if data.isEmpty { break }
                seen += String(decoding: data, as: UTF8.self).split(separator: "\n").count
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal)

            let store = try HistoryStore(path: path)
            #expect(try store.integrityCheck() == ["ok"])
            let rows = try Fixture.counts(store)
            let commits = (rows["guest"] ?? 0) / batch
            #expect(commits >= seen)
            #expect(rows["guest"] == commits * batch && rows["transition"] == commits * batch)
            #expect(rows["finding"] == commits * batch && rows["config_version"] == commits * batch)
            let perCommit = Dictionary(grouping: try store.history(HistoryFilter(includeHostChanges: false)), by: \.at)
            #expect(perCommit.values.allSatisfy { $0.count == batch })
        }
    }
}
