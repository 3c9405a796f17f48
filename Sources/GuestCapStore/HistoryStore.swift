import Foundation
import GRDB
import GuestCapCore
import SystemPackage

/// The daemon's state and history in one SQLite database (default `/var/lib/guestcap/history.sqlite`).
///
/// The store owns the database: it creates it root-only (the folder 0700, the file and its
/// `-wal` and `-shm` 0600), runs it in WAL mode with foreign keys on, and migrates it on open.
/// The daemon opens it read-write (one `DatabasePool`: one writer, concurrent readers); the
/// CLI opens it read-only and reads consistent snapshots while the daemon writes.
///
/// Every method throws ``StoreError``, a sentence with the path and what to do.
public final class HistoryStore: Sendable {
    /// The default database path.
    public static let defaultPath = "/var/lib/guestcap/history.sqlite"

    /// The database file.
    public let path: String
    /// Whether the store was opened read-only (writes throw ``StoreError/isReadOnly``).
    public let readOnly: Bool
    let writer: any DatabaseWriter
    /// Device and inode of the file opened, to notice it being deleted or replaced.
    private let opened: (dev: UInt64, ino: UInt64)?
    /// Checkpoints the WAL off the writer's path (nil: SQLite's automatic checkpoints).
    private let checkpointer: BackgroundCheckpointer?

    /// Opens (and, unless `readOnly`, creates and migrates) the database at `path`.
    ///
    /// With `backgroundCheckpoints` (the daemon), a commit never copies the WAL into the
    /// database file itself (SQLite's automatic checkpoint, an fsync of the database file
    /// inside every ~20th commit); a second connection does it on its own thread after commits.
    ///
    /// - Throws: ``StoreError``: permission denied, missing (read-only), not a guestcap
    ///   database, written by a newer guestcap, read-only file system, disk full.
    public init(
        path: String = HistoryStore.defaultPath, readOnly: Bool = false,
        backgroundCheckpoints: Bool = false
    ) throws(StoreError) {
        self.path = path
        self.readOnly = readOnly
        var checkpointer: BackgroundCheckpointer?
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = "guestcap.history"
        if readOnly {
            if let problem = FileAccess.problem(at: path, write: false) {
                throw StoreError(kind: problem, path: path, operation: "open", detail: "\(problem)")
            }
            config.readonly = true
            // On a read-only file system SQLite cannot create the WAL's shared memory file; such a
            // database cannot change either, so it is opened as immutable (SQLite built with URIs).
            let location =
                FileAccess.isOnReadOnlyFileSystem(path) && access(path + "-shm", F_OK) != 0
                ? "file:" + FileAccess.uriEscaped(path) + "?immutable=1" : path
            do {
                let queue = try DatabaseQueue(path: location, configuration: config)
                try queue.read { db in try Self.checkSchema(db, path: path, readOnly: true) }
                writer = queue
            } catch {
                throw StoreError.from(error, path: path, operation: "open")
            }
        } else {
            try FileAccess.prepare(path: path)
            // WAL with synchronous=NORMAL: a commit survives the daemon being killed at any point
            // and the file never corrupts; only a power loss or kernel crash can roll back the
            // last commits, as journald (which syncs every few minutes) loses its last entries
            // then too. A restart re-reads every file and logs again what the lost commits held.
            // FULL would put an fsync (2-20 ms here) between every change and its journal entry.
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                if backgroundCheckpoints { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
            }
            do {
                let pool = try DatabasePool(path: path, configuration: config)
                try pool.read { db in try Self.checkSchema(db, path: path, readOnly: false) }
                let pending = try pool.read { db in try !Schema.migrator.hasCompletedMigrations(db) }
                try Schema.migrator.migrate(pool)
                // A migration can rewrite whole tables (v2 rebuilds finding): hand that WAL space back
                // rather than keep it as a file the size of the copy.
                if pending {
                    try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                }
                writer = pool
                if backgroundCheckpoints { checkpointer = try BackgroundCheckpointer(path: path) }
            } catch {
                throw StoreError.from(error, path: path, operation: "open")
            }
            FileAccess.tighten(path: path)
        }
        opened = (try? FilePath(path).stat()).map { (UInt64($0.deviceID.rawValue), UInt64($0.inode.rawValue)) }
        self.checkpointer = checkpointer
    }

    /// Why the file at ``path`` is no longer the database this store writes (deleted, or another
    /// file renamed over it), nil while it still is. SQLite would go on writing the open file,
    /// which nobody else can see.
    public var replacedOnDisk: String? {
        guard let opened else { return nil }
        guard let st = try? FilePath(path).stat() else {
            return "the database file was deleted while the daemon had it open"
        }
        if UInt64(st.deviceID.rawValue) != opened.dev || UInt64(st.inode.rawValue) != opened.ino {
            return "the database file was replaced by another file while the daemon had it open"
        }
        return nil
    }

    /// Refuses files that are SQLite but not guestcap's, and schemas newer than this code.
    private static func checkSchema(_ db: Database, path: String, readOnly: Bool) throws {
        let tables = try String.fetchAll(
            db,
            sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
                """)
        if tables.isEmpty && !readOnly { return }
        guard tables.contains("grdb_migrations"), tables.contains("host_snapshot") else {
            let found = tables.isEmpty ? "it has no tables" : "its tables are " + tables.joined(separator: ", ")
            throw StoreError(kind: .notGuestcap, path: path, operation: "open", detail: found)
        }
        let migrator = Schema.migrator
        if try migrator.hasBeenSuperseded(db) {
            let applied = try migrator.appliedIdentifiers(db).sorted().joined(separator: ", ")
            throw StoreError(
                kind: .newerSchema, path: path, operation: "open", detail: "applied migrations: \(applied)")
        }
        if readOnly, try !migrator.hasCompletedMigrations(db) {
            let applied = try migrator.appliedIdentifiers(db).sorted().joined(separator: ", ")
            throw StoreError(
                kind: .olderSchema, path: path, operation: "open", detail: "applied migrations: \(applied)")
        }
    }

    // MARK: Access

    /// Runs `body` in a write transaction, mapping every failure to a ``StoreError``.
    func write<T>(_ operation: String, _ body: (Database) throws -> T) throws(StoreError) -> T {
        if readOnly {
            throw StoreError(
                kind: .readOnly, path: path, operation: operation, detail: "the store was opened read-only")
        }
        do {
            let result = try writer.write(body)
            checkpointer?.request()
            return result
        } catch {
            throw StoreError.from(error, path: path, operation: operation)
        }
    }

    /// Runs `body` in a read transaction (a consistent snapshot), mapping failures to ``StoreError``.
    func read<T>(_ operation: String = "read", _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreError.from(error, path: path, operation: operation)
        }
    }

    // MARK: Host

    /// Records the host state seen at `at`: a new row only when its facts differ from the current
    /// one (which then ends at `at`).
    ///
    /// - Returns: the id of the state in force and whether it is new.
    /// - Throws: ``StoreError`` (disk full, read-only…).
    public func recordHost(_ snapshot: HostSnapshot, at: Date) throws(StoreError) -> (id: Int64, changed: Bool) {
        let facts = try HostFacts(snapshot, path: path)
        return try write("record the host state in") { db in
            var began = at
            if var current = try HostSnapshotRow.filter(HostSnapshotRow.Columns.endedAt == nil).fetchOne(db) {
                if current.factsSHA256 == facts.sha256 { return (current.id!, false) }
                began = max(at, current.beganAt)
                current.endedAt = began
                try current.update(db)
            }
            var row = facts.row(beganAt: began)
            try row.insert(db)
            return (row.id!, true)
        }
    }

    /// The host state in force now.
    /// - Throws: ``StoreError``.
    public func currentHost() throws(StoreError) -> StoredHost? {
        try read { db in
            try HostSnapshotRow.filter(HostSnapshotRow.Columns.endedAt == nil).fetchOne(db).map(Self.storedHost)
        }
    }

    /// The host state in force at `date` (a running guest's start time); nil before the first one recorded.
    /// - Throws: ``StoreError``.
    public func host(inEffectAt date: Date) throws(StoreError) -> StoredHost? {
        try read { db in
            try HostSnapshotRow
                .filter(HostSnapshotRow.Columns.beganAt <= date.stored)
                .order(HostSnapshotRow.Columns.beganAt.desc, HostSnapshotRow.Columns.id.desc)
                .fetchOne(db)
                .map(Self.storedHost)
        }
    }

    static func storedHost(_ row: HostSnapshotRow) -> StoredHost {
        var snapshot =
            (try? ReportCoding.decoder().decode(HostDocument.self, from: Data(row.document.utf8)))?.snapshot
            ?? HostSnapshot(hostname: row.hostname, machineID: row.machineID, kernel: row.kernel)
        snapshot.since = row.beganAt
        return StoredHost(
            id: row.id!, snapshot: snapshot, began: row.beganAt, ended: row.endedAt,
            hardware: CapabilitySet.parse(hex: row.msrValue) ?? .empty,
            justified: CapabilitySet.parse(hex: row.justified) ?? .empty,
            kvmDefault: CapabilitySet.parse(hex: row.kvmDefault) ?? .empty,
            msrStatus: row.msrStatus, changeID: row.changeID, changeNote: row.changeNote, sent: row.sent)
    }

    // MARK: Runs

    /// Records the start of a daemon run.
    /// - Returns: its id, for ``endRun(_:at:)`` and ``AuditCommit/runID``.
    /// - Throws: ``StoreError``.
    public func beginRun(pid: Int32, version: String, at: Date) throws(StoreError) -> Int64 {
        try write("record the daemon's start in") { db in
            var row = RunRow(id: nil, pid: pid, version: version, startedAt: at, endedAt: nil, lastAuditAt: nil)
            try row.insert(db)
            return row.id!
        }
    }

    /// Records the clean end of a daemon run.
    /// - Throws: ``StoreError``.
    public func endRun(_ id: Int64, at: Date) throws(StoreError) {
        try write("record the daemon's stop in") { db in
            try db.execute(
                sql: "UPDATE run SET ended_at = max(?, started_at) WHERE id = ?", arguments: [at.stored, id])
        }
    }

    // MARK: Maintenance

    /// `PRAGMA integrity_check` and `PRAGMA foreign_key_check`: `["ok"]` when the database is sound.
    /// - Throws: ``StoreError``.
    public func integrityCheck() throws(StoreError) -> [String] {
        try read("check") { db in
            var lines = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            let violations = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row -> String in
                let table: String = row[0]
                let rowid: Int64? = row[1]
                let parent: String = row[2]
                return "foreign key violation: \(table) row \(rowid.map(String.init) ?? "?") → \(parent)"
            }
            if !violations.isEmpty {
                lines.removeAll { $0 == "ok" }
                lines += violations
            }
            return lines
        }
    }
}

/// A host snapshot prepared for storage: its document and the hash of its facts.
struct HostFacts {
    let sha256: String
    let document: String
    let assessment: HostAssessment

    init(_ snapshot: HostSnapshot, path: String) throws(StoreError) {
        assessment = HostAssessment(snapshot: snapshot.withoutTimestamp)
        do {
            let data = try ReportCoding.encoder(pretty: false).encode(HostDocument(assessment))
            document = String(decoding: data, as: UTF8.self)
        } catch {
            throw StoreError(
                kind: .other, path: path, operation: "record the host state in",
                detail: "the snapshot could not be encoded: \(error)")
        }
        sha256 = SHA256.hex(of: document)
    }

    func row(beganAt: Date) -> HostSnapshotRow {
        let s = assessment.snapshot
        return HostSnapshotRow(
            id: nil, beganAt: beganAt, endedAt: nil, factsSHA256: sha256, hostname: s.hostname,
            machineID: s.machineID, kernel: s.kernel, microcode: s.cpu.microcode,
            msrStatus: assessment.msrStatus.rawValue, msrValue: assessment.hardware.hex,
            justified: assessment.justified.hex, kvmDefault: assessment.kvmDefault.hex, document: document,
            changeID: UUID().uuidString.lowercased(), changeNote: nil, sent: false)
    }
}
