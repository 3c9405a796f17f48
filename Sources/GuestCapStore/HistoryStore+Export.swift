import Foundation
import GRDB
import GuestCapCore

extension HistoryStore {
    /// Every host state in force at any time in [from, to), oldest first.
    /// - Throws: ``StoreError``.
    public func hostSnapshots(from: Date, to: Date) throws(StoreError) -> [StoredHost] {
        try read { db in
            try HostSnapshotRow.fetchAll(
                db,
                sql: """
                    SELECT * FROM host_snapshot WHERE began_at < ? AND (ended_at IS NULL OR ended_at > ?)
                    ORDER BY began_at, id
                    """, arguments: [to.stored, from.stored]
            ).map(Self.storedHost)
        }
    }

    /// Every finding episode active at any time in [from, to), with its transitions inside the
    /// period and the last one before it (the state it entered the period in).
    /// - Throws: ``StoreError``.
    public func findingLifecycles(from: Date, to: Date) throws(StoreError) -> [FindingLifecycle] {
        try read { db in
            try Self.episodes(
                db, from: from, to: to,
                episode: { f, record in
                    FindingLifecycle(
                        record: record, guestID: f.guestID, openedAt: f.openedAt, waivedAt: f.waivedAt,
                        waiverExpiredAt: f.waiverExpiredAt, resolvedAt: f.resolvedAt,
                        transitions: [], before: nil)
                },
                transition: { e, t in
                    e.transitions.append(Self.transitionRecord(t, e.record))
                },
                before: { e, t in
                    e.before = Self.transitionRecord(t, e.record)
                })
        }
    }

    /// The episodes of ``findingLifecycles(from:to:)`` with only the kind and time of each
    /// transition: what an export needs, without a copy of the finding per transition.
    /// - Throws: ``StoreError``.
    public func findingEpisodes(from: Date, to: Date) throws(StoreError) -> [FindingEpisode] {
        let step = { (t: TransitionRow) in
            FindingEpisode.Step(kind: TransitionKind(rawValue: t.kind) ?? .opened, at: t.at)
        }
        return try read { db in
            try Self.episodes(
                db, from: from, to: to,
                episode: { f, record in
                    FindingEpisode(record: record, openedAt: f.openedAt, transitions: [], before: nil)
                },
                transition: { e, t in
                    e.transitions.append(step(t))
                },
                before: { e, t in
                    e.before = step(t)
                })
        }
    }

    /// Every guest present at any time in [from, to), with its configuration versions in the
    /// period and the worst status it had in it.
    /// - Throws: ``StoreError``.
    public func guestsSeen(from: Date, to: Date) throws(StoreError) -> [StoredGuest] {
        try read { db in
            let guests = try GuestRow.fetchAll(
                db,
                sql: """
                    SELECT \(GuestRow.columnsSQL) FROM guest WHERE first_seen_at < ? AND (gone_at IS NULL OR gone_at >= ?)
                    ORDER BY id
                    """, arguments: [to.stored, from.stored])
            var versions: [Int64: [StoredConfigVersion]] = [:]
            var provenances = ProvenanceCache()
            let cursor = try ConfigVersionRow.fetchCursor(
                db,
                sql: """
                    SELECT \(ConfigVersionRow.columnsSQL) FROM config_version
                    WHERE began_at < ? AND (ended_at IS NULL OR ended_at > ?)
                    ORDER BY guest_id, began_at, id
                    """, arguments: [to.stored, from.stored])
            while let v = try cursor.next() {
                versions[v.guestID, default: []].append(Self.storedVersion(v, provenances: &provenances))
            }
            let worst = try Self.worstStatuses(db, from: from, to: to)
            let active = try Self.activeStates(db)
            return guests.map { g in
                Self.storedGuest(
                    g, versions: versions[g.id!] ?? [],
                    status: Self.status(of: g, active: active[g.id!] ?? []),
                    worst: worst[g.id!] ?? .compliant)
            }
        }
    }

    // MARK: Helpers

    /// The episodes alive in [from, to): each made by `episode` from its row and record (the
    /// record decoded once, the row not kept), then given its transitions in the period
    /// (`transition`, oldest first) and the last one before it (`before`). Episodes are filled
    /// in place as rows are read: a year's finding and transition rows held whole, or a second
    /// array of episodes, took hundreds of megabytes.
    static func episodes<Episode>(
        _ db: Database, from: Date, to: Date,
        episode: (FindingRow, FindingRecord) -> Episode,
        transition: (inout Episode, TransitionRow) -> Void,
        before: (inout Episode, TransitionRow) -> Void
    ) throws -> [Episode] {
        let overlapping = "FROM finding WHERE opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)"
        // Counted first so the episodes (hundreds of bytes each) are allocated once, not doubled into.
        let count =
            try Int.fetchOne(db, sql: "SELECT count(*) \(overlapping)", arguments: [to.stored, from.stored]) ?? 0
        var out: [Episode] = []
        out.reserveCapacity(count)
        var position: [Int64: Int] = [:]
        position.reserveCapacity(count)
        var origins = OriginCache()
        let rows = try FindingRow.fetchCursor(
            db,
            sql: """
                SELECT \(FindingRow.columnsSQL) \(overlapping) ORDER BY opened_at, id
                """, arguments: [to.stored, from.stored])
        while let f = try rows.next() {
            position[f.id!] = out.count
            out.append(episode(f, f.record(origins: &origins)))
        }
        let ids = position.keys.sorted()  // in row order: neighbouring probes share index pages
        try forEachTransition(db, ids: ids, from: from, to: to) { t in
            if let i = position[t.findingRow] { transition(&out[i], t) }
        }
        try forEachLastTransition(db, ids: ids, before: from) { t in
            if let i = position[t.findingRow] { before(&out[i], t) }
        }
        return out
    }

    /// Transitions in [from, to) (or all, when nil) of the given finding rows, by finding row.
    /// `body` sees each finding's transitions oldest first (by time, then sequence); findings
    /// interleave.
    static func forEachTransition(
        _ db: Database, ids: [Int64], from: Date?, to: Date?,
        _ body: (TransitionRow) throws -> Void
    ) throws {
        var timeSQL = ""
        var timeArgs: [any DatabaseValueConvertible] = []
        if let from {
            timeSQL += " AND at >= ?"
            timeArgs.append(from.stored)
        }
        if let to {
            timeSQL += " AND at < ?"
            timeArgs.append(to.stored)
        }
        if ids.count > 2000, from != nil || to != nil {
            // Many findings: one pass over the period's transitions is cheaper than one probe each.
            let wanted = Set(ids)
            let cursor = try TransitionRow.fetchCursor(
                db,
                sql: """
                    SELECT \(TransitionRow.columnsSQL) FROM "transition" WHERE 1\(timeSQL) ORDER BY at, seq
                    """, arguments: StatementArguments(timeArgs))
            while let t = try cursor.next() {
                if wanted.contains(t.findingRow) { try body(t) }
            }
        } else {
            // A finding's transitions all come in its chunk's query, which orders them.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = ids[start..<min(start + 500, ids.count)].map(String.init).joined(separator: ",")
                let cursor = try TransitionRow.fetchCursor(
                    db,
                    sql: """
                        SELECT \(TransitionRow.columnsSQL) FROM "transition" WHERE finding_row IN (\(chunk))\(timeSQL)
                        ORDER BY at, seq
                        """, arguments: StatementArguments(timeArgs))
                while let t = try cursor.next() { try body(t) }
            }
        }
    }

    /// Each finding's last transition before `date` (by row; none for findings opened since).
    static func forEachLastTransition(
        _ db: Database, ids: [Int64], before date: Date,
        _ body: (TransitionRow) throws -> Void
    ) throws {
        // Nothing happened before `date` (a period from the start of the history): no probes.
        guard let first = try String.fetchOne(db, sql: "SELECT min(at) FROM \"transition\""), first < date.stored
        else { return }
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)].map(String.init).joined(separator: ",")
            // The latest time per finding through the (finding_row, at) index; seq breaks ties,
            // the last one seen wins.
            let cursor = try TransitionRow.fetchCursor(
                db,
                sql: """
                    SELECT \(TransitionRow.columnsSQL(prefix: "t.")) FROM "transition" t JOIN (
                        SELECT finding_row, max(at) AS at FROM "transition"
                        WHERE finding_row IN (\(chunk)) AND at < ? GROUP BY finding_row
                    ) m ON t.finding_row = m.finding_row AND t.at = m.at ORDER BY t.seq
                    """, arguments: [date.stored])
            while let t = try cursor.next() { try body(t) }
        }
    }

    /// The worst status each guest had in [from, to), from the findings that were active then:
    /// a violation open → violating, `config-unreadable` active → unreadable, a violation waived → waived.
    static func worstStatuses(_ db: Database, from: Date, to: Date) throws -> [Int64: GuestStatus] {
        // Only the columns the walk needs: a whole row per finding costs more than the walk.
        var findings: [(id: Int64, guestID: Int64, unreadable: Bool)] = []
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT id, guest_id, rule = 'config-unreadable' FROM finding
                WHERE guest_id IS NOT NULL AND opened_at < ? AND (resolved_at IS NULL OR resolved_at >= ?)
                  AND (severity IN ('critical', 'error') OR rule = 'config-unreadable')
                """, arguments: [to.stored, from.stored])
        while let row = try rows.next() { findings.append((row[0], row[1], row[2])) }
        // Walk each episode as its transitions stream by: the states it was in and from when.
        var position: [Int64: Int] = [:]
        for (i, f) in findings.enumerated() { position[f.id] = i }
        var states = [FindingState?](repeating: nil, count: findings.count)  // nil before the episode began
        var inPeriod = [Set<FindingState>](repeating: [], count: findings.count)
        try forEachTransition(db, ids: findings.map(\.id), from: nil, to: to) { t in
            guard let i = position[t.findingRow] else { return }
            if t.at > from, let state = states[i] { inPeriod[i].insert(state) }
            states[i] =
                switch TransitionKind(rawValue: t.kind) ?? .opened {
                case .opened, .waiverExpired: .open
                case .waived: .waived
                case .resolved: .resolved
                }
        }
        var worst: [Int64: GuestStatus] = [:]
        for (i, f) in findings.enumerated() {
            var statesInPeriod = inPeriod[i]
            if let state = states[i] { statesInPeriod.insert(state) }
            statesInPeriod.remove(.resolved)
            let status: GuestStatus
            if f.unreadable {
                guard !statesInPeriod.isEmpty else { continue }
                status = .unreadable
            } else if statesInPeriod.contains(.open) {
                status = .violating
            } else if statesInPeriod.contains(.waived) {
                status = .waived
            } else {
                continue
            }
            worst[f.guestID] = min(worst[f.guestID] ?? .compliant, status)
        }
        return worst
    }
}
