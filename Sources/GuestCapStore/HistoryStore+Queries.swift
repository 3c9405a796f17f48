import Foundation
import GRDB
import GuestCapCore

extension HistoryStore {
    /// What `guestcap status` shows: the host now, present guests, active findings worst first.
    /// - Throws: ``StoreError``.
    public func status() throws(StoreError) -> StoreStatus {
        try read { db in
            let host = try HostSnapshotRow.filter(HostSnapshotRow.Columns.endedAt == nil).fetchOne(db)
                .map(Self.storedHost)
            var guests = try Self.presentGuests(db)
            guests.sort { ($0.status, $0.displayName, $0.id) < ($1.status, $1.displayName, $1.id) }
            let rows = try FindingRow.filter(sql: "state <> 'resolved'").fetchAll(db)
            var findings = rows.map {
                ActiveFinding(
                    record: $0.record, openedAt: $0.openedAt, waivedAt: $0.waivedAt,
                    guestID: $0.guestID)
            }
            findings.sort(by: Self.worseFirst)
            let run = try RunRow.order(RunRow.Columns.id.desc).fetchOne(db).map {
                DaemonRun(
                    id: $0.id!, pid: $0.pid, version: $0.version, started: $0.startedAt, ended: $0.endedAt,
                    lastAudit: $0.lastAuditAt)
            }
            let lastAudit = try DatabaseValue.fetchOne(db, sql: "SELECT max(last_audit_at) FROM run").flatMap(
                StoreTime.date)
            var counts = StoreStatus.Counts()
            counts.guests = guests.count
            for g in guests {
                switch g.status {
                case .compliant: counts.compliant += 1
                case .violating: counts.violating += 1
                case .waived: counts.waived += 1
                case .unreadable: counts.unreadable += 1
                }
            }
            counts.openFindings = findings.count { $0.record.state == .open }
            counts.waivedFindings = findings.count { $0.record.state == .waived }
            return StoreStatus(
                host: host, guests: guests, findings: findings, lastAudit: lastAudit, run: run,
                counts: counts)
        }
    }

    /// Worst first: severity, then open before waived, then guest, rule and id.
    static func worseFirst(_ a: ActiveFinding, _ b: ActiveFinding) -> Bool {
        func key(_ f: ActiveFinding) -> (Int, Int, String, Int, String) {
            let r = f.record
            return (
                r.severity.priority, r.state == .open ? 0 : 1, r.guestName ?? r.configPath ?? r.subject,
                Rule.allCases.firstIndex(of: r.rule) ?? 0, r.findingID
            )
        }
        return key(a) < key(b)
    }

    /// The timeline: finding transitions and host changes, oldest first.
    ///
    /// `guest` matches a guest's name, UUID, identity or path, exactly or as a glob. Host
    /// changes are included unless a rule is given (or ``HistoryFilter/includeHostChanges``
    /// says otherwise). With a limit, the most recent events are kept.
    /// - Throws: ``StoreError`` (also for a malformed glob).
    public func history(_ filter: HistoryFilter) throws(StoreError) -> [HistoryEvent] {
        var pattern: Glob?
        if let g = filter.guest, g.contains(where: { "*?[".contains($0) }) {
            do { pattern = try Glob(g) } catch {
                throw StoreError(kind: .other, path: path, operation: "read", detail: error.description)
            }
        }
        return try read { db in
            var guestIDs: [Int64]?
            if let g = filter.guest {
                guestIDs = try Self.matchGuests(db, g, pattern: pattern)
                if guestIDs!.isEmpty { return [] }
            }
            var conditions: [String] = []
            var args: [any DatabaseValueConvertible] = []
            if guestIDs != nil || filter.rule != nil {
                var inner: [String] = []
                if let ids = guestIDs { inner.append("guest_id IN (\(ids.map(String.init).joined(separator: ",")))") }
                if let rule = filter.rule {
                    inner.append("rule = ?")
                    args.append(rule.rawValue)
                }
                conditions.append("finding_row IN (SELECT id FROM finding WHERE \(inner.joined(separator: " AND ")))")
            }
            if let since = filter.since {
                conditions.append("at >= ?")
                args.append(since.stored)
            }
            if let until = filter.until {
                conditions.append("at < ?")
                args.append(until.stored)
            }
            var sql = "SELECT \(TransitionRow.columnsSQL) FROM \"transition\""
            if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
            if let limit = filter.limit {
                sql += " ORDER BY at DESC, seq DESC LIMIT \(max(0, limit))"
            } else {
                sql += " ORDER BY at, seq"
            }
            let rows = try TransitionRow.fetchAll(db, sql: sql, arguments: StatementArguments(args))
            var events = try Self.transitionRecords(db, rows).map { t in
                HistoryEvent(
                    at: t.at, kind: HistoryEvent.Kind(rawValue: t.kind.rawValue) ?? .opened, id: t.id,
                    finding: t.finding, hostSnapshotID: t.hostSnapshotID, configVersionID: t.configVersionID,
                    hostChange: nil)
            }
            if filter.includeHostChanges ?? (filter.rule == nil) {
                var hostSQL = "SELECT * FROM host_snapshot WHERE 1"
                var hostArgs: [any DatabaseValueConvertible] = []
                if let since = filter.since {
                    hostSQL += " AND began_at >= ?"
                    hostArgs.append(since.stored)
                }
                if let until = filter.until {
                    hostSQL += " AND began_at < ?"
                    hostArgs.append(until.stored)
                }
                hostSQL += " ORDER BY began_at DESC, id DESC"
                if let limit = filter.limit { hostSQL += " LIMIT \(max(0, limit))" }
                for row in try HostSnapshotRow.fetchAll(db, sql: hostSQL, arguments: StatementArguments(hostArgs)) {
                    let change = try Self.hostChange(db, row)
                    events.append(
                        HistoryEvent(
                            at: row.beganAt, kind: .hostChanged, id: row.changeID, finding: nil,
                            hostSnapshotID: row.id!, configVersionID: nil, hostChange: change))
                }
            }
            // Host changes sort before the transitions they caused (same instant).
            events.sort { ($0.at, $0.kind == .hostChanged ? 0 : 1) < ($1.at, $1.kind == .hostChanged ? 0 : 1) }
            if let limit = filter.limit, events.count > limit { events.removeFirst(events.count - max(0, limit)) }
            return events
        }
    }

    /// Guest rows whose name, UUID, identity or path is `text` (or matches the glob).
    static func matchGuests(_ db: Database, _ text: String, pattern: Glob?) throws -> [Int64] {
        guard let pattern else {
            return try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM guest WHERE name = ?1 OR uuid = lower(?1) OR identity = ?1 OR path = ?1 ORDER BY id
                    """, arguments: [text])
        }
        return try Row.fetchAll(db, sql: "SELECT id, name, uuid, identity, path FROM guest ORDER BY id").compactMap {
            row in
            let fields: [String?] = [row[1], row[2], row[3], row[4]]
            return fields.contains { $0.map(pattern.matches) ?? false } ? row[0] as Int64 : nil
        }
    }

    /// A host state as a change from the one before it.
    static func hostChange(_ db: Database, _ row: HostSnapshotRow) throws -> HostChange {
        let previousRow = try HostSnapshotRow.fetchOne(
            db,
            sql: """
                SELECT * FROM host_snapshot WHERE (began_at, id) < (?, ?) ORDER BY began_at DESC, id DESC LIMIT 1
                """, arguments: [row.beganAt.stored, row.id!])
        let current = storedHost(row)
        let previous = previousRow.map(storedHost)
        return HostChange(
            id: row.changeID, at: row.beganAt, previous: previous, current: current,
            changes: previous.map { differences($0, current) } ?? ["first state seen"],
            note: row.changeNote)
    }

    /// One line per fact that differs between two host states.
    static func differences(_ a: StoredHost, _ b: StoredHost) -> [String] {
        var out: [String] = []
        func note(_ label: String, _ x: String?, _ y: String?) {
            if x != y { out.append("\(label): \(x ?? "none") → \(y ?? "none")") }
        }
        note("hostname", a.snapshot.hostname, b.snapshot.hostname)
        note("kernel", a.snapshot.kernel, b.snapshot.kernel)
        note("microcode", a.snapshot.cpu.microcode, b.snapshot.cpu.microcode)
        note("MSR status", a.msrStatus, b.msrStatus)
        note("MSR 0x10a", a.hardware.description, b.hardware.description)
        note("justified", a.justified.description, b.justified.description)
        note("kvm_default", a.kvmDefault.description, b.kvmDefault.description)
        note("vmentry_l1d_flush", a.snapshot.vmentryL1dFlush, b.snapshot.vmentryL1dFlush)
        for file in Set(a.snapshot.vulnerabilities.keys).union(b.snapshot.vulnerabilities.keys).sorted() {
            note("vulnerabilities/\(file)", a.snapshot.vulnerabilities[file], b.snapshot.vulnerabilities[file])
        }
        if out.isEmpty { out.append("other facts changed (CPU flags or per-CPU readings)") }
        return out
    }

    /// Removes resolved history older than `resolvedBefore`: resolved findings and their
    /// transitions, then configuration versions, gone guests, host states and daemon runs that
    /// ended before it and nothing kept refers to. Open and waived findings are never touched.
    ///
    /// - Returns: the number of finding episodes removed.
    /// - Throws: ``StoreError``.
    public func prune(resolvedBefore cutoff: Date) throws(StoreError) -> Int {
        try write("prune") { db in
            try db.execute(
                sql: "DELETE FROM finding WHERE state = 'resolved' AND resolved_at < ?", arguments: [cutoff.stored])
            let findings = db.changesCount
            try db.execute(
                sql: """
                    DELETE FROM config_version WHERE ended_at < ?
                      AND NOT EXISTS (SELECT 1 FROM "transition" t WHERE t.config_version_id = config_version.id)
                    """, arguments: [cutoff.stored])
            try db.execute(
                sql: """
                    DELETE FROM guest WHERE gone_at < ?
                      AND NOT EXISTS (SELECT 1 FROM finding f WHERE f.guest_id = guest.id)
                      AND NOT EXISTS (SELECT 1 FROM config_version v WHERE v.guest_id = guest.id)
                    """, arguments: [cutoff.stored])
            try db.execute(
                sql: """
                    DELETE FROM host_snapshot WHERE ended_at < ?
                      AND NOT EXISTS (SELECT 1 FROM "transition" t WHERE t.host_snapshot_id = host_snapshot.id)
                    """, arguments: [cutoff.stored])
            try db.execute(sql: "DELETE FROM run WHERE ended_at < ?", arguments: [cutoff.stored])
            return findings
        }
    }
}

extension HistoryStore {
    /// Rows per table, and the database's size in bytes (file plus WAL), for `status --verbose` and benchmarks.
    /// - Throws: ``StoreError``.
    public func statistics() throws(StoreError) -> (rows: [String: Int], bytes: Int64) {
        let rows = try read { db in
            var out: [String: Int] = [:]
            for table in ["run", "host_snapshot", "guest", "config_version", "finding", "transition"] {
                out[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"") ?? 0
            }
            return out
        }
        var bytes: Int64 = 0
        for file in FileAccess.files(of: path) {
            if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber {
                bytes += size.int64Value
            }
        }
        return (rows, bytes)
    }

    /// Copies the WAL into the database file and truncates it (the daemon calls it when idle or at stop).
    /// - Throws: ``StoreError``.
    public func checkpoint() throws(StoreError) {
        if readOnly { return }
        do {
            try writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        } catch {
            throw StoreError.from(error, path: path, operation: "checkpoint")
        }
    }
}
