import Foundation
import GRDB
import GuestCapCore
import Testing
@testable import GuestCapStore

@Suite("Frozen migrations")
struct MigrationTests {
    let dir = TempDir()

    /// A database made by the first schema only, with rows as a v1 daemon wrote them, opens and
    /// migrates with today's store, and its data reads back.
    @Test func firstSchemaDatabaseOpensAndMigrates() throws {
        do {
            let queue = try DatabaseQueue(path: dir.database)
            try Schema.migrator.migrate(queue, upTo: "v1")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO run (id, pid, version, started_at, last_audit_at)
                            VALUES (1, 100, '0.1.0', '2026-01-01 00:00:00.000', '2026-01-01 01:00:00.000');
                        INSERT INTO host_snapshot (id, began_at, facts_sha256, hostname, kernel, msr_status, msr_value, justified,
                                                   kvm_default, document, change_id, sent)
                            VALUES (1, '2026-01-01 00:00:00.000', '\(String(repeating: "ab", count: 32))', 'kvm-01', '6.1.0-18-amd64', 'ok',
                                    '0x000000000c0ae0eb', '0x000000000c0ae0eb', '0x000000000c0ae0eb',
                                    '{"hostname":"kvm-01","kernel":"6.1.0-18-amd64"}',
                                    '11111111-2222-4333-8444-555555555555', 1);
                        INSERT INTO guest (id, identity, source, uuid, path, name, status, first_seen_at)
                            VALUES (1, 'libvirt:uuid:0d7c3f2a-1111-4222-8333-444455556666', 'libvirt',
                                    '0d7c3f2a-1111-4222-8333-444455556666', '/etc/libvirt/qemu/web-1.xml', 'web-1',
                                    'violating', '2026-01-01 01:00:00.000');
                        INSERT INTO config_version (id, guest_id, began_at, path, name, content_sha256, advertised, visible,
                                                    provenance)
                            VALUES (1, 1, '2026-01-01 01:00:00.000', '/etc/libvirt/qemu/web-1.xml', 'web-1',
                                    '\(String(repeating: "cd", count: 32))', '0x0000000000000020', 1, '{"mds-no":"model"}');
                        INSERT INTO finding (id, finding_id, guest_id, subject, rule, severity, bits, state, message,
                                             guest_name, source, origins, opened_at)
                            VALUES (1, '0123456789abcdef0123456789abcdef', 1,
                                    'libvirt:uuid:0d7c3f2a-1111-4222-8333-444455556666', 'unjustified-immunity', 'critical',
                                    '0x0000000000000020', 'open', 'told mds-no', 'web-1', 'libvirt',
                                    '[{"text":"<feature/>","line":12}]', '2026-01-01 01:00:00.000');
                        INSERT INTO "transition" (id, at, kind, finding_row, host_snapshot_id, config_version_id, sent)
                            VALUES ('aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', '2026-01-01 01:00:00.000', 'opened', 1, 1, 1, 0);
                        """)
            }
        }
        let store = try HistoryStore(path: dir.database)
        let status = try store.status()
        #expect(status.host?.snapshot.hostname == "kvm-01")
        #expect(status.host?.snapshot.kernel == "6.1.0-18-amd64")
        #expect(status.guests.map(\.name) == ["web-1"])
        #expect(status.guests.first?.status == .violating)
        #expect(status.guests.first?.configVersions.first?.provenance == ["mds-no": "model"])
        #expect(status.lastAudit == Fixture.at(hours: 1))
        let finding = try #require(try store.activeFindings().first)
        #expect(finding.rule == .unjustifiedImmunity && finding.bits == Fixture.bits("mds-no"))
        #expect(finding.origins == [ConfigOrigin("<feature/>", line: 12)])
        #expect(try store.unsentTransitions().map(\.id) == ["aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"])
        // …and today's store writes on top of it.
        let resolved = FindingRecord(
            findingID: finding.findingID, subject: finding.subject, rule: finding.rule,
            severity: finding.severity, bits: finding.bits, state: .open, message: "")
        let out = try store.commit(
            AuditCommit(
                at: Fixture.at(hours: 2), hostSnapshotID: 1,
                transitions: [TransitionDraft(kind: .resolved, finding: resolved)]))
        #expect(out.map(\.kind) == [.resolved])
        #expect(out.first?.configVersionID == 1)
        #expect(try store.integrityCheck() == ["ok"])
        let applied = try DatabaseQueue(path: dir.database).read { db in try Schema.migrator.appliedIdentifiers(db) }
        #expect(applied == Set(Schema.migrator.migrations))
    }

    /// v1 is literal SQL: its text never changes once landed (update this hash only with a new migration, never for v1).
    @Test func firstSchemaIsFrozen() {
        #expect(SHA256.hex(of: Schema.v1) == Self.v1Hash)
    }

    static let v1Hash = "1b79799ebcc2b46e4f5e4484b76ebb297c6f5890dacd4eed19635df56ae3e410"

    /// v2 is frozen like v1 once landed.
    @Test func secondSchemaIsFrozen() {
        #expect(SHA256.hex(of: Schema.v2) == Self.v2Hash)
        #expect(Schema.migrator.migrations == ["v1", "v2"])
    }

    static let v2Hash = "a4712446651b649f322acaad2488e3d4ae2f4b3b3a3bdb6beb0d577b9188e324"

    /// A v1 database with rows of every kind (guest and host findings, a migration finding open
    /// and one resolved, transitions pointing at each) migrates to v2 keeping every row, every
    /// v1 column's value, the indexes and the foreign keys; its migration findings become
    /// outgoing, and the core's outgoing finding has the id the v1 daemon stored, so the first
    /// audit after the upgrade opens and resolves nothing.
    @Test func secondSchemaKeepsEveryRow() throws {
        let web = "libvirt:uuid:0d7c3f2a-1111-4222-8333-444455556666"
        let migrationBits = Fixture.bits("mds-no")
        let migrationID = Finding.id(
            subject: web, rule: .migrationUnsafe, pool: "maint", poolHost: "kvm-02",
            bits: migrationBits)
        let tables = ["run", "host_snapshot", "guest", "config_version", "finding", "transition"]
        var before: [String: [Row]] = [:]
        var columns: [String: [String]] = [:]
        var indexes: [String] = []
        do {
            let queue = try DatabaseQueue(path: dir.database)
            try Schema.migrator.migrate(queue, upTo: "v1")
            try queue.write { db in try db.execute(sql: Self.v1Rows(web: web, migrationID: migrationID)) }
            try queue.read { db in
                for t in tables {
                    columns[t] = try db.columns(in: t).map(\.name)
                    before[t] = try Row.fetchAll(db, sql: "SELECT * FROM \"\(t)\" ORDER BY rowid")
                }
                indexes = try String.fetchAll(
                    db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            }
        }
        #expect(before["finding"]?.count == 4 && before["transition"]?.count == 5)

        let store = try HistoryStore(path: dir.database)
        let queue = try DatabaseQueue(path: dir.database)
        try queue.read { db in
            for t in tables {
                let list = columns[t]!.map { "\"\($0)\"" }.joined(separator: ", ")
                let after = try Row.fetchAll(db, sql: "SELECT \(list) FROM \"\(t)\" ORDER BY rowid")
                #expect(after == before[t]!, "every row and v1 column of \(t) kept")
            }
            let now = try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            #expect(now == indexes, "the finding table's indexes were made again")
            let parents = try Row.fetchAll(
                db, sql: "SELECT \"table\", \"from\", \"on_delete\" FROM pragma_foreign_key_list('transition')")
            #expect(parents.contains { $0[0] == "finding" && $0[1] == "finding_row" && $0[2] == "CASCADE" })
            let directions = try Row.fetchAll(db, sql: "SELECT rule, direction FROM finding ORDER BY id")
            #expect(
                directions.map { [$0[0] as String, ($0[1] as String?) ?? "-"] } == [
                    ["unjustified-immunity", "-"], ["migration-unsafe", "outgoing"], ["migration-unsafe", "outgoing"],
                    ["host-msr-unreadable", "-"],
                ])
            let versions = try Row.fetchAll(
                db,
                sql: """
                    SELECT requested, requested_visible, requested_provenance, dropped, vmm FROM config_version
                    """)
            #expect(versions.count == 2 && versions.allSatisfy { row in row.databaseValues.allSatisfy(\.isNull) })
        }
        #expect(try store.integrityCheck() == ["ok"])
        let versions = try store.knownGuests().flatMap(\.configVersions)
        #expect(versions.map(\.requested) == [nil] && versions.map(\.vmm) == [nil], "R unknown for a v1 version")

        let active = try store.activeFindings()
        let migration = try #require(active.first { $0.rule == .migrationUnsafe })
        #expect(migration.direction == .outgoing && migration.findingID == migrationID)
        // The core's outgoing finding is the stored one: nothing opens or resolves.
        let outgoing = Finding(
            subject: web, rule: .migrationUnsafe, severity: .error, bits: migrationBits, pool: "maint",
            poolHost: "kvm-02", direction: .outgoing, message: "told mds-no")
        #expect(outgoing.id == migrationID)
        let incoming = Finding(
            subject: web, rule: .migrationUnsafe, severity: .error, bits: migrationBits, pool: "maint",
            poolHost: "kvm-02", direction: .incoming, message: "told mds-no")
        #expect(incoming.id != migrationID)
        let current =
            active.filter { $0.rule != .migrationUnsafe } + [
                FindingRecord(
                    findingID: outgoing.id, subject: web, rule: .migrationUnsafe, severity: .error, bits: migrationBits,
                    pool: "maint", poolHost: "kvm-02", direction: .outgoing, state: .open, message: "told mds-no")
            ]
        #expect(AuditDiff.transitions(previous: active, current: current).isEmpty)

        // The new rules are accepted, and a direction outside the two is refused.
        let insert = { (rule: String, direction: String) in
            """
            INSERT INTO finding (finding_id, subject, rule, severity, bits, direction, state, message, opened_at)
            VALUES ('\(String(repeating: "e", count: 32))', 's', '\(rule)', 'notice', '0x0000000000000100', \(direction),
                    'resolved', '', '2026-01-01 00:00:00.000')
            """
        }
        for (rule, direction) in [
            ("request-dropped", "NULL"), ("kvm-default-differs", "NULL"),
            ("migration-unsafe", "'incoming'"),
        ] {
            try queue.write {
                try $0.execute(
                    sql: insert(rule, direction).replacingOccurrences(of: "'resolved', ''", with: "'open', ''"))
            }
            try queue.write {
                try $0.execute(sql: "DELETE FROM finding WHERE finding_id = '\(String(repeating: "e", count: 32))'")
            }
        }
        #expect(throws: DatabaseError.self) {
            try queue.write { try $0.execute(sql: insert("migration-unsafe", "'sideways'")) }
        }
    }

    /// Rows as a v1 daemon wrote them: two guests, two configuration versions, four findings
    /// (one a resolved migration finding, one a host finding) and five transitions.
    static func v1Rows(web: String, migrationID: String) -> String {
        """
        INSERT INTO run (id, pid, version, started_at, ended_at, last_audit_at)
            VALUES (1, 100, '0.1.0', '2026-01-01 00:00:00.000', NULL, '2026-01-01 03:00:00.000');
        INSERT INTO host_snapshot (id, began_at, facts_sha256, hostname, kernel, msr_status, msr_value, justified,
                                   kvm_default, document, change_id, sent)
            VALUES (1, '2026-01-01 00:00:00.000', '\(String(repeating: "ab", count: 32))', 'kvm-01', '6.1.0-18-amd64',
                    'unreadable', '0x0000000000000000', '0x0000000000000020', '0x0000000000000020',
                    '{"hostname":"kvm-01"}', '11111111-2222-4333-8444-555555555555', 1);
        INSERT INTO guest (id, identity, source, uuid, path, name, status, first_seen_at, gone_at)
            VALUES (1, '\(web)', 'libvirt', '0d7c3f2a-1111-4222-8333-444455556666', '/etc/libvirt/qemu/web-1.xml',
                    'web-1', 'violating', '2026-01-01 01:00:00.000', NULL),
                   (2, 'qemu:path:/run/qemu/old.args', 'qemu', NULL, '/run/qemu/old.args', 'old', 'compliant',
                    '2026-01-01 01:00:00.000', '2026-01-01 02:00:00.000');
        INSERT INTO config_version (id, guest_id, began_at, ended_at, path, name, content_sha256, advertised, visible,
                                    provenance)
            VALUES (1, 1, '2026-01-01 01:00:00.000', NULL, '/etc/libvirt/qemu/web-1.xml', 'web-1',
                    '\(String(repeating: "cd", count: 32))', '0x0000000000000020', 1, '{"mds-no":"model"}'),
                   (2, 2, '2026-01-01 01:00:00.000', '2026-01-01 02:00:00.000', '/run/qemu/old.args', 'old', NULL,
                    '0x0000000000000000', 0, '{}');
        INSERT INTO finding (id, finding_id, guest_id, subject, rule, severity, bits, pool, pool_host, state, message,
                             guest_name, guest_uuid, source, config_path, waiver_reason, waiver_expires, guest_value,
                             justified_value, host_value, origins, opened_at, waived_at, resolved_at)
            VALUES (1, '0123456789abcdef0123456789abcdef', 1, '\(web)', 'unjustified-immunity', 'critical',
                    '0x0000000000000100', NULL, NULL, 'waived', 'told taa-no', 'web-1',
                    '0d7c3f2a-1111-4222-8333-444455556666', 'libvirt', '/etc/libvirt/qemu/web-1.xml', 'CHG-1',
                    '2026-12-31', '0x0000000000000120', '0x0000000000000020', '0x0000000000000000',
                    '[{"text":"<feature/>","line":12}]', '2026-01-01 01:00:00.000', '2026-01-01 01:30:00.000', NULL),
                   (2, '\(migrationID)', 1, '\(web)', 'migration-unsafe', 'error', '0x0000000000000020', 'maint',
                    'kvm-02', 'open', 'pool maint: told mds-no', 'web-1', NULL, 'libvirt', NULL, NULL, NULL, NULL,
                    NULL, NULL, '[]', '2026-01-01 01:00:00.000', NULL, NULL),
                   (3, '\(migrationID)', 1, '\(web)', 'migration-unsafe', 'error', '0x0000000000000020', 'maint',
                    'kvm-02', 'resolved', 'pool maint: told mds-no', 'web-1', NULL, 'libvirt', NULL, NULL, NULL, NULL,
                    NULL, NULL, '[]', '2026-01-01 00:10:00.000', NULL, '2026-01-01 00:20:00.000'),
                   (4, 'fedcba9876543210fedcba9876543210', NULL, 'host:kvm-01', 'host-msr-unreadable', 'warning',
                    '0x0000000000000000', NULL, NULL, 'open', 'MSR unreadable', NULL, NULL, NULL, NULL, NULL, NULL,
                    NULL, NULL, NULL, '[]', '2026-01-01 00:00:00.000', NULL, NULL);
        INSERT INTO "transition" (id, at, kind, finding_row, host_snapshot_id, config_version_id, sent)
            VALUES ('aaaaaaaa-bbbb-4ccc-8ddd-000000000001', '2026-01-01 01:00:00.000', 'opened', 1, 1, 1, 1),
                   ('aaaaaaaa-bbbb-4ccc-8ddd-000000000002', '2026-01-01 01:30:00.000', 'waived', 1, 1, 1, 1),
                   ('aaaaaaaa-bbbb-4ccc-8ddd-000000000003', '2026-01-01 01:00:00.000', 'opened', 2, 1, 1, 0),
                   ('aaaaaaaa-bbbb-4ccc-8ddd-000000000004', '2026-01-01 00:20:00.000', 'resolved', 3, 1, NULL, 1),
                   ('aaaaaaaa-bbbb-4ccc-8ddd-000000000005', '2026-01-01 00:00:00.000', 'opened', 4, 1, NULL, 1);
        """
    }

    @Test func constraintsKeepTheDataHonest() throws {
        let store = try HistoryStore(path: dir.database)
        let host = try store.recordHost(Fixture.host(), at: Fixture.t0).id
        let queue = try DatabaseQueue(path: dir.database)
        let bad = [
            "UPDATE host_snapshot SET msr_value = '0xABC' WHERE id = \(host)",
            "UPDATE host_snapshot SET ended_at = '2000-01-01 00:00:00.000' WHERE id = \(host)",
            "INSERT INTO host_snapshot SELECT NULL, began_at, NULL, facts_sha256, hostname, machine_id, kernel, microcode, msr_status, msr_value, justified, kvm_default, document, 'x', NULL, 0 FROM host_snapshot",
            "INSERT INTO guest (identity, source, path, status, first_seen_at) VALUES ('qemu:path:/x', 'libvirt', '/x', 'compliant', '2026-01-01 00:00:00.000')",
            "INSERT INTO guest (identity, source, path, status, first_seen_at) VALUES ('qemu:path:/x', 'qemu', '/x', 'fine', '2026-01-01 00:00:00.000')",
            "INSERT INTO guest (identity, source, path, status, first_seen_at) VALUES ('qemu:path:/x', 'qemu', '/x', 'compliant', 'yesterday')",
            "INSERT INTO config_version (guest_id, began_at, path, provenance) VALUES (999, '2026-01-01 00:00:00.000', '/x', '{}')",
            "INSERT INTO finding (finding_id, subject, rule, severity, bits, state, message, opened_at) VALUES ('0123456789abcdef0123456789abcdef', 's', 'made-up-rule', 'error', '0x0000000000000001', 'open', '', '2026-01-01 00:00:00.000')",
            "INSERT INTO finding (finding_id, subject, rule, severity, bits, state, message, opened_at) VALUES ('0123456789abcdef0123456789abcdef', 's', 'reserved-bits', 'error', '0x0000000000000001', 'resolved', '', '2026-01-01 00:00:00.000')",
            "INSERT INTO \"transition\" (id, at, kind, finding_row, host_snapshot_id) VALUES ('not-a-uuid', '2026-01-01 00:00:00.000', 'opened', 1, \(host))",
        ]
        for sql in bad {
            #expect(throws: DatabaseError.self, "\(sql)") { try queue.write { try $0.execute(sql: sql) } }
        }
        // Two active episodes of one finding are refused.
        let twice = """
            INSERT INTO finding (finding_id, subject, rule, severity, bits, state, message, opened_at)
            VALUES ('0123456789abcdef0123456789abcdef', 's', 'reserved-bits', 'warning', '0x0000000000000001', 'open', '', '2026-01-01 00:00:00.000')
            """
        try queue.write { try $0.execute(sql: twice) }
        #expect(throws: DatabaseError.self) { try queue.write { try $0.execute(sql: twice) } }
    }
}
