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
                try db.execute(sql: """
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
        let resolved = FindingRecord(findingID: finding.findingID, subject: finding.subject, rule: finding.rule,
                                     severity: finding.severity, bits: finding.bits, state: .open, message: "")
        let out = try store.commit(AuditCommit(at: Fixture.at(hours: 2), hostSnapshotID: 1,
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
