import Foundation
import GRDB
import GuestCapCore

extension HistoryStore {
    /// The findings in force now (open and waived): what ``AuditDiff`` compares the next audit with.
    /// - Throws: ``StoreError``.
    public func activeFindings() throws(StoreError) -> [FindingRecord] {
        try read { db in
            try FindingRow.filter(sql: "state <> 'resolved'").order(FindingRow.Columns.id).fetchAll(db).map(\.record)
        }
    }

    /// Commits one audit in one transaction: guests and their configuration versions (a row
    /// only when something changed), guests gone, the findings' new states and one transition
    /// row per draft, each with a fresh id and not yet sent.
    ///
    /// Either all of it lands or none of it does.
    /// - Returns: the transitions, in draft order, for the journal sink.
    /// - Throws: ``StoreError`` (disk full, read-only…): nothing was written then.
    public func commit(_ audit: AuditCommit) throws(StoreError) -> [TransitionRecord] {
        let versions = audit.verdicts.map(ConfigVersionDraft.init)
        return try write("record the audit in") { db in
            let at = audit.at
            var guestIDs: [String: Int64] = [:]
            var versionIDs: [Int64: Int64] = [:]
            for (verdict, version) in zip(audit.verdicts, versions) {
                let guestID = try Self.upsertGuest(db, verdict, at: at)
                guestIDs[verdict.identity.description] = guestID
                if let id = try Self.upsertVersion(db, guestID: guestID, version, at: at) { versionIDs[guestID] = id }
            }
            for identity in audit.gone {
                try Self.markGone(db, identity: identity.description, at: at)
            }
            var out: [TransitionRecord] = []
            for draft in audit.transitions {
                let subject = draft.finding.subject
                var guestID = guestIDs[subject]
                if guestID == nil, !subject.hasPrefix("host:") {
                    guestID = try Int64.fetchOne(
                        db, sql: "SELECT id FROM guest WHERE identity = ?", arguments: [subject])
                    guestIDs[subject] = guestID
                }
                var versionID: Int64?
                if let guestID {
                    versionID = versionIDs[guestID]
                    if versionID == nil {
                        versionID = try Int64.fetchOne(
                            db,
                            sql: """
                                SELECT id FROM config_version WHERE guest_id = ? ORDER BY began_at DESC, id DESC LIMIT 1
                                """, arguments: [guestID])
                        versionIDs[guestID] = versionID
                    }
                }
                guard let finding = try Self.apply(db, draft, guestID: guestID, at: at) else { continue }
                var row = TransitionRow(
                    seq: nil, id: UUID().uuidString.lowercased(), at: at, kind: draft.kind.rawValue,
                    findingRow: finding.id!, hostSnapshotID: audit.hostSnapshotID, configVersionID: versionID,
                    sent: false)
                try row.insert(db)
                var record = draft.finding  // as given: no need to decode what was just written
                record.state = FindingState(rawValue: finding.state) ?? record.state
                out.append(
                    TransitionRecord(
                        id: row.id, at: at, kind: draft.kind, finding: record,
                        hostSnapshotID: row.hostSnapshotID, configVersionID: versionID, sent: false))
            }
            if let note = audit.hostTransition {
                try db.execute(
                    sql: "UPDATE host_snapshot SET change_note = ? WHERE id = ? AND change_note IS NOT ?",
                    arguments: [note, audit.hostSnapshotID, note])
            }
            if let run = audit.runID {
                try db.execute(
                    sql: "UPDATE run SET last_audit_at = max(?, started_at) WHERE id = ?", arguments: [at.stored, run])
            }
            return out
        }
    }

    /// Committed transitions whose journal entries have not been sent, oldest first.
    /// - Throws: ``StoreError``.
    public func unsentTransitions(limit: Int = 1000) throws(StoreError) -> [TransitionRecord] {
        try read { db in
            let rows = try TransitionRow.filter(sql: "sent = 0").order(TransitionRow.Columns.seq).limit(limit).fetchAll(
                db)
            return try Self.transitionRecords(db, rows)
        }
    }

    /// Host changes whose journal entries have not been sent, oldest first.
    /// - Throws: ``StoreError``.
    public func unsentHostChanges() throws(StoreError) -> [HostChange] {
        try read { db in
            let rows = try HostSnapshotRow.filter(HostSnapshotRow.Columns.sent == false)
                .order(HostSnapshotRow.Columns.beganAt, HostSnapshotRow.Columns.id).fetchAll(db)
            return try rows.map { try Self.hostChange(db, $0) }
        }
    }

    /// Marks transitions (and host changes) as sent to the journal, by their ids.
    /// - Throws: ``StoreError``.
    public func markSent(_ ids: [String]) throws(StoreError) {
        guard !ids.isEmpty else { return }
        try write("record sent journal entries in") { db in
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let marks = databaseQuestionMarks(count: chunk.count)
                let args = StatementArguments(chunk)
                try db.execute(
                    sql: "UPDATE \"transition\" SET sent = 1 WHERE sent = 0 AND id IN (\(marks))", arguments: args)
                try db.execute(
                    sql: "UPDATE host_snapshot SET sent = 1 WHERE sent = 0 AND change_id IN (\(marks))",
                    arguments: args)
            }
        }
    }

    /// The guests present now, with their current configuration version and status.
    /// - Throws: ``StoreError``.
    public func knownGuests() throws(StoreError) -> [StoredGuest] {
        try read { db in try Self.presentGuests(db) }
    }

    // MARK: Writing helpers

    /// Inserts or updates a guest from its verdict (no write when nothing changed); returns its id.
    static func upsertGuest(_ db: Database, _ v: GuestVerdict, at: Date) throws -> Int64 {
        let identity = v.identity.description
        let status = v.status.rawValue
        let uuid = v.uuid.flatMap { $0.isEmpty ? nil : $0.lowercased() }
        let lookup = try db.cachedStatement(sql: "SELECT \(GuestRow.columnsSQL) FROM guest WHERE identity = ?")
        guard var row = try GuestRow.fetchOne(lookup, arguments: [identity]) else {
            var row = GuestRow(
                id: nil, identity: identity, source: v.source.rawValue, uuid: uuid, path: v.path,
                name: v.name, status: status, error: v.error, firstSeenAt: at, goneAt: nil)
            try row.insert(db)
            return row.id!
        }
        try row.updateChanges(db) { r in
            r.uuid = uuid
            r.path = v.path
            r.name = v.name
            r.status = status
            r.error = v.error
            r.goneAt = nil
        }
        return row.id!
    }

    /// Starts a new configuration version when the configuration differs from the current one.
    /// - Returns: the version in force, or nil when the guest has none (never read).
    static func upsertVersion(_ db: Database, guestID: Int64, _ draft: ConfigVersionDraft?, at: Date) throws -> Int64? {
        let current = try ConfigVersionRow.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT \(ConfigVersionRow.columnsSQL) FROM config_version WHERE guest_id = ? AND ended_at IS NULL
                    """),
            arguments: [guestID])
        guard let draft else { return current?.id }  // unreadable now: the last good version stays
        var new = draft.row(guestID: guestID, beganAt: at)
        if var current {
            if current.sameConfiguration(as: new) { return current.id }
            new.beganAt = max(at, current.beganAt)
            current.endedAt = new.beganAt
            try current.update(db)
        }
        try new.insert(db)
        return new.id
    }

    /// Marks a guest gone and ends its configuration version.
    static func markGone(_ db: Database, identity: String, at: Date) throws {
        guard var row = try GuestRow.filter(GuestRow.Columns.identity == identity).fetchOne(db), row.goneAt == nil
        else { return }
        let gone = max(at, row.firstSeenAt)
        try row.updateChanges(db) { $0.goneAt = gone }
        try db.execute(
            sql: """
                UPDATE config_version SET ended_at = max(?, began_at) WHERE guest_id = ? AND ended_at IS NULL
                """, arguments: [gone.stored, row.id!])
    }

    /// Applies a transition to the finding's active episode (or starts one); nil when there is nothing to resolve.
    static func apply(_ db: Database, _ draft: TransitionDraft, guestID: Int64?, at: Date) throws -> FindingRow? {
        let r = draft.finding
        let active = try FindingRow.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT \(FindingRow.columnsSQL) FROM finding WHERE finding_id = ? AND state <> 'resolved'
                    """),
            arguments: [r.findingID])
        guard
            var row = active
                ?? {
                    guard draft.kind != .resolved else { return nil }
                    return FindingRow(r, guestID: guestID, openedAt: at)
                }()
        else { return nil }
        let old = row
        row.update(from: r)
        if row.guestID == nil { row.guestID = guestID }
        switch draft.kind {
        case .opened:
            row.state = FindingState.open.rawValue
        case .waived:
            row.state = FindingState.waived.rawValue
            row.waivedAt = max(at, row.openedAt)
        case .waiverExpired:
            row.state = FindingState.open.rawValue
            row.waiverExpiredAt = max(at, row.openedAt)
        case .resolved:
            row.state = FindingState.resolved.rawValue
            row.resolvedAt = max(at, row.openedAt)
        }
        if row.id == nil {
            try row.insert(db)
        } else {
            try row.updateChanges(db, from: old)
        }
        return row
    }

    // MARK: Reading helpers

    /// A transition as the journal sees it: the finding in the state the transition put it in.
    /// (`finding`: the episode's record, decoded once for all its transitions.)
    static func transitionRecord(_ t: TransitionRow, _ finding: FindingRecord) -> TransitionRecord {
        let kind = TransitionKind(rawValue: t.kind) ?? .opened
        var record = finding
        record.state =
            switch kind {
            case .opened, .waiverExpired: .open
            case .waived: .waived
            case .resolved: .resolved
            }
        return TransitionRecord(
            id: t.id, at: t.at, kind: kind, finding: record, hostSnapshotID: t.hostSnapshotID,
            configVersionID: t.configVersionID, sent: t.sent)
    }

    /// Records for transition rows, fetching their findings.
    static func transitionRecords(_ db: Database, _ rows: [TransitionRow]) throws -> [TransitionRecord] {
        var origins = OriginCache()
        let findings = try fetchFindings(db, ids: rows.map(\.findingRow)).mapValues { $0.record(origins: &origins) }
        return rows.compactMap { t in findings[t.findingRow].map { transitionRecord(t, $0) } }
    }

    /// Finding rows by row id.
    static func fetchFindings(_ db: Database, ids: some Collection<Int64>) throws -> [Int64: FindingRow] {
        var out: [Int64: FindingRow] = [:]
        let unique = Array(Set(ids))
        for start in stride(from: 0, to: unique.count, by: 500) {
            for row in try FindingRow.fetchAll(db, keys: unique[start..<min(start + 500, unique.count)]) {
                out[row.id!] = row
            }
        }
        return out
    }

    /// The guests present now with their current version and status.
    static func presentGuests(_ db: Database) throws -> [StoredGuest] {
        let rows = try GuestRow.filter(GuestRow.Columns.goneAt == nil).order(GuestRow.Columns.id).fetchAll(db)
        var versions: [Int64: ConfigVersionRow] = [:]
        for v in try ConfigVersionRow.filter(
            sql: """
                ended_at IS NULL AND guest_id IN (SELECT id FROM guest WHERE gone_at IS NULL)
                """
        ).fetchAll(db) {
            versions[v.guestID] = v
        }
        let active = try activeStates(db)
        return rows.map { row in
            storedGuest(
                row, versions: versions[row.id!].map { [storedVersion($0)] } ?? [],
                status: status(of: row, active: active[row.id!] ?? []), worst: nil)
        }
    }

    /// (severity, state) of every active finding, by guest row.
    static func activeStates(_ db: Database) throws -> [Int64: [(Severity, FindingState)]] {
        var out: [Int64: [(Severity, FindingState)]] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT guest_id, severity, state FROM finding WHERE state <> 'resolved' AND guest_id IS NOT NULL
                """)
        {
            let id: Int64 = row[0]
            let severity: String = row[1]
            let state: String = row[2]
            out[id, default: []].append(
                (Severity(rawValue: severity) ?? .warning, FindingState(rawValue: state) ?? .open))
        }
        return out
    }

    /// A guest's status now: violating while a violation is open, else unreadable when its
    /// last verdict said so, else waived when its violations are all waived, else compliant.
    static func status(of row: GuestRow, active: [(Severity, FindingState)]) -> GuestStatus {
        if active.contains(where: { $0.0.isViolation && $0.1 == .open }) { return .violating }
        if row.status == GuestStatus.unreadable.rawValue { return .unreadable }
        if active.contains(where: { $0.0.isViolation && $0.1 == .waived }) { return .waived }
        return .compliant
    }

    static func storedGuest(
        _ row: GuestRow, versions: [StoredConfigVersion], status: GuestStatus,
        worst: GuestStatus?
    ) -> StoredGuest {
        let source = GuestSource(rawValue: row.source) ?? .libvirt
        let prefix = "\(row.source):uuid:"
        let identity =
            row.identity.hasPrefix(prefix)
            ? GuestIdentity(source: source, uuid: String(row.identity.dropFirst(prefix.count)), path: row.path)
            : GuestIdentity(source: source, path: String(row.identity.dropFirst("\(row.source):path:".count)))
        return StoredGuest(
            id: row.id!, identity: identity, source: source, uuid: row.uuid, path: row.path,
            name: row.name, status: status, error: row.error, firstSeen: row.firstSeenAt,
            goneAt: row.goneAt, configVersions: versions, worstStatus: worst)
    }

    static func storedVersion(_ v: ConfigVersionRow) -> StoredConfigVersion {
        var provenances = ProvenanceCache()
        return storedVersion(v, provenances: &provenances)
    }

    /// The same, decoding `provenance` through `cache` (a guest's versions repeat a few texts).
    static func storedVersion(_ v: ConfigVersionRow, provenances cache: inout ProvenanceCache) -> StoredConfigVersion {
        let provenance = cache.decode(v.provenance)
        return StoredConfigVersion(
            id: v.id!, began: v.beganAt, ended: v.endedAt, path: v.path, name: v.name,
            contentHash: v.contentSHA256, advertised: v.advertised.flatMap(CapabilitySet.parse(hex:)),
            visible: v.visible, provenance: provenance,
            requested: v.requested.flatMap(CapabilitySet.parse(hex:)),
            requestedVisible: v.requestedVisible,
            requestedProvenance: v.requestedProvenance.map { cache.decode($0) },
            dropped: v.dropped.flatMap(CapabilitySet.parse(hex:)),
            vmm: v.vmm.flatMap(GuestVMM.init(rawValue:)))
    }
}

/// `config_version.provenance` texts already decoded, for one read.
typealias ProvenanceCache = JSONColumnCache<[String: String]>

/// A guest's configuration as a version row would store it, prepared outside the transaction.
struct ConfigVersionDraft: Sendable {
    let path: String
    let name: String?
    let contentSHA256: String?
    let advertised: String?
    let visible: Bool?
    let provenance: String
    let requested: String?
    let requestedVisible: Bool?
    let requestedProvenance: String?
    let dropped: String?
    let vmm: String?

    /// nil for a verdict without a configuration (unreadable): the last good version stays in force.
    init?(_ v: GuestVerdict) {
        guard v.config != nil || v.advertised != nil else { return nil }
        path = v.path
        name = v.name
        let hash = v.config?.contentHash.lowercased() ?? ""
        contentSHA256 = hash.count == 64 && hash.allSatisfy(\.isHexDigit) ? hash : nil
        advertised = v.advertised?.value.hex
        visible = v.advertised?.visible
        provenance = v.advertised.map(Self.provenance) ?? "{}"
        requested = v.values?.requested.value.hex
        requestedVisible = v.values?.requested.visible
        requestedProvenance = v.values.map { Self.provenance($0.requested) }
        dropped = v.values?.dropped.hex
        vmm = v.values?.vmm.rawValue
    }

    /// Bit name → origin, as a JSON object with sorted keys (equal values, equal texts).
    static func provenance(_ value: AdvertisedValue) -> String {
        var names: [String: String] = [:]
        for (bit, origin) in value.provenance { names[ArchCapCatalog.bit(bit).name] = origin.description }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(names), as: UTF8.self)) ?? "{}"
    }

    func row(guestID: Int64, beganAt: Date) -> ConfigVersionRow {
        ConfigVersionRow(
            id: nil, guestID: guestID, beganAt: beganAt, endedAt: nil, path: path, name: name,
            contentSHA256: contentSHA256, advertised: advertised, visible: visible, provenance: provenance,
            requested: requested, requestedVisible: requestedVisible,
            requestedProvenance: requestedProvenance, dropped: dropped, vmm: vmm)
    }
}
