import Foundation
import GRDB
import Testing
@testable import GuestCapStore

@Suite("Background checkpoints")
struct CheckpointTests {
    /// Rows in the database file itself, ignoring the WAL: `immutable=1` makes SQLite read the
    /// main file only, so a row shows there once a checkpoint has copied it.
    static func runsInMainFile(_ path: String) throws -> Int {
        var config = Configuration()
        config.readonly = true
        let file = try DatabaseQueue(path: "file:" + path + "?immutable=1", configuration: config)
        return try file.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM run") ?? 0 }
    }

    /// With background checkpoints the writer never checkpoints (SQLite's automatic checkpoint
    /// is off), yet commits reach the database file: the second connection copied them.
    @Test func commitsReachTheDatabaseFile() async throws {
        let dir = TempDir()
        let path = dir.path + "/history.sqlite"
        let store = try HistoryStore(path: path, backgroundCheckpoints: true)
        for i in 0..<20 { _ = try store.beginRun(pid: Int32(100 + i), version: "test", at: Date()) }
        let deadline = ContinuousClock.now + .seconds(30)
        // Until the first checkpoint the file may not even have the table yet.
        var seen = (try? Self.runsInMainFile(path)) ?? 0
        while seen < 20 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            seen = (try? Self.runsInMainFile(path)) ?? 0
        }
        #expect(seen == 20)
        _ = store
    }
}
