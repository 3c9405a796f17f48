import GRDB

/// The history database's schema: GRDB migrations, frozen once landed.
///
/// A migration that has shipped is never edited: a schema change is a new migration
/// appended below. Migrations are literal SQL and never reference the app's types, so an
/// old database migrates the same way whatever the code looks like today.
enum Schema {
    /// Every migration, in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
        }
        // Deferred foreign-key checks (GRDB's default): the finding table is rebuilt with
        // foreign keys off, and GRDB checks every reference before it commits.
        migrator.registerMigration("v2", foreignKeyChecks: .deferred) { db in
            try db.execute(sql: v2)
        }
        // Later migrations are appended here: migrator.registerMigration("v3") { … }
        return migrator
    }

    /// The first schema (frozen).
    ///
    /// Dates are GRDB's text form, `YYYY-MM-DD HH:MM:SS.SSS` in UTC, so they sort and
    /// compare as text. Values of MSR 0x10a are `0x` and 16 lower-case hex digits.
    static let v1 = """
        CREATE TABLE run (
            id INTEGER PRIMARY KEY,
            pid INTEGER NOT NULL CHECK (pid > 0),
            version TEXT NOT NULL CHECK (version <> ''),
            started_at TEXT NOT NULL
                CHECK (started_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]*'),
            ended_at TEXT CHECK (ended_at IS NULL OR ended_at >= started_at),
            last_audit_at TEXT CHECK (last_audit_at IS NULL OR last_audit_at >= started_at)
        );
        CREATE INDEX run_started ON run(started_at);

        CREATE TABLE host_snapshot (
            id INTEGER PRIMARY KEY,
            began_at TEXT NOT NULL
                CHECK (began_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]*'),
            ended_at TEXT CHECK (ended_at IS NULL OR ended_at >= began_at),
            facts_sha256 TEXT NOT NULL
                CHECK (length(facts_sha256) = 64 AND NOT facts_sha256 GLOB '*[^0-9a-f]*'),
            hostname TEXT NOT NULL,
            machine_id TEXT,
            kernel TEXT,
            microcode TEXT,
            msr_status TEXT NOT NULL CHECK (msr_status IN ('ok', 'absent', 'unreadable', 'inconsistent')),
            msr_value TEXT NOT NULL
                CHECK (length(msr_value) = 18 AND msr_value GLOB '0x*' AND NOT substr(msr_value, 3) GLOB '*[^0-9a-f]*'),
            justified TEXT NOT NULL
                CHECK (length(justified) = 18 AND justified GLOB '0x*' AND NOT substr(justified, 3) GLOB '*[^0-9a-f]*'),
            kvm_default TEXT NOT NULL
                CHECK (length(kvm_default) = 18 AND kvm_default GLOB '0x*' AND NOT substr(kvm_default, 3) GLOB '*[^0-9a-f]*'),
            document TEXT NOT NULL CHECK (json_valid(document)),
            change_id TEXT NOT NULL UNIQUE
                CHECK (length(change_id) = 36 AND substr(change_id, 9, 1) = '-' AND substr(change_id, 14, 1) = '-'
                       AND substr(change_id, 19, 1) = '-' AND substr(change_id, 24, 1) = '-'
                       AND NOT replace(change_id, '-', '') GLOB '*[^0-9a-f]*'),
            change_note TEXT,
            sent INTEGER NOT NULL DEFAULT 0 CHECK (sent IN (0, 1))
        );
        CREATE UNIQUE INDEX host_snapshot_current ON host_snapshot(ended_at IS NULL) WHERE ended_at IS NULL;
        CREATE INDEX host_snapshot_began ON host_snapshot(began_at);

        CREATE TABLE guest (
            id INTEGER PRIMARY KEY,
            identity TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL CHECK (source IN ('libvirt', 'libvirt-live', 'qemu', 'firecracker')),
            uuid TEXT CHECK (uuid IS NULL OR (uuid <> '' AND uuid = lower(uuid))),
            path TEXT NOT NULL CHECK (path <> ''),
            name TEXT,
            status TEXT NOT NULL CHECK (status IN ('compliant', 'violating', 'waived', 'unreadable')),
            error TEXT,
            first_seen_at TEXT NOT NULL
                CHECK (first_seen_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]*'),
            gone_at TEXT CHECK (gone_at IS NULL OR gone_at >= first_seen_at),
            CHECK (identity GLOB source || ':uuid:?*' OR identity GLOB source || ':path:?*')
        );
        CREATE INDEX guest_name ON guest(name);
        CREATE INDEX guest_uuid ON guest(uuid);

        CREATE TABLE config_version (
            id INTEGER PRIMARY KEY,
            guest_id INTEGER NOT NULL REFERENCES guest(id) ON DELETE CASCADE,
            began_at TEXT NOT NULL
                CHECK (began_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]*'),
            ended_at TEXT CHECK (ended_at IS NULL OR ended_at >= began_at),
            path TEXT NOT NULL CHECK (path <> ''),
            name TEXT,
            content_sha256 TEXT
                CHECK (content_sha256 IS NULL OR (length(content_sha256) = 64 AND NOT content_sha256 GLOB '*[^0-9a-f]*')),
            advertised TEXT
                CHECK (advertised IS NULL OR (length(advertised) = 18 AND advertised GLOB '0x*'
                                              AND NOT substr(advertised, 3) GLOB '*[^0-9a-f]*')),
            visible INTEGER CHECK (visible IS NULL OR visible IN (0, 1)),
            provenance TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(provenance)),
            CHECK ((advertised IS NULL) = (visible IS NULL))
        );
        CREATE UNIQUE INDEX config_version_current ON config_version(guest_id) WHERE ended_at IS NULL;
        CREATE INDEX config_version_guest ON config_version(guest_id, began_at);

        CREATE TABLE finding (
            id INTEGER PRIMARY KEY,
            finding_id TEXT NOT NULL CHECK (length(finding_id) = 32 AND NOT finding_id GLOB '*[^0-9a-f]*'),
            guest_id INTEGER REFERENCES guest(id),
            subject TEXT NOT NULL CHECK (subject <> ''),
            rule TEXT NOT NULL CHECK (rule IN (
                'unjustified-immunity', 'unjustified-mitigation', 'hidden-disclosure', 'unsupported-control',
                'reserved-bits', 'migration-unsafe', 'unknown-model', 'msr-hidden', 'missed-immunity',
                'host-msr-inconsistent', 'host-msr-unreadable', 'config-unreadable')),
            severity TEXT NOT NULL CHECK (severity IN ('critical', 'error', 'warning', 'notice', 'info')),
            bits TEXT NOT NULL
                CHECK (length(bits) = 18 AND bits GLOB '0x*' AND NOT substr(bits, 3) GLOB '*[^0-9a-f]*'),
            pool TEXT,
            pool_host TEXT,
            state TEXT NOT NULL CHECK (state IN ('open', 'waived', 'resolved')),
            message TEXT NOT NULL,
            guest_name TEXT,
            guest_uuid TEXT,
            source TEXT CHECK (source IS NULL OR source IN ('libvirt', 'libvirt-live', 'qemu', 'firecracker')),
            config_path TEXT,
            waiver_reason TEXT,
            waiver_expires TEXT,
            guest_value TEXT
                CHECK (guest_value IS NULL OR (length(guest_value) = 18 AND guest_value GLOB '0x*'
                                               AND NOT substr(guest_value, 3) GLOB '*[^0-9a-f]*')),
            justified_value TEXT
                CHECK (justified_value IS NULL OR (length(justified_value) = 18 AND justified_value GLOB '0x*'
                                                   AND NOT substr(justified_value, 3) GLOB '*[^0-9a-f]*')),
            host_value TEXT
                CHECK (host_value IS NULL OR (length(host_value) = 18 AND host_value GLOB '0x*'
                                              AND NOT substr(host_value, 3) GLOB '*[^0-9a-f]*')),
            origins TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(origins)),
            opened_at TEXT NOT NULL
                CHECK (opened_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]*'),
            waived_at TEXT CHECK (waived_at IS NULL OR waived_at >= opened_at),
            waiver_expired_at TEXT CHECK (waiver_expired_at IS NULL OR waiver_expired_at >= opened_at),
            resolved_at TEXT CHECK (resolved_at IS NULL OR resolved_at >= opened_at),
            CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)),
            CHECK (state <> 'waived' OR waived_at IS NOT NULL)
        );
        CREATE UNIQUE INDEX finding_active ON finding(finding_id) WHERE state <> 'resolved';
        CREATE INDEX finding_guest ON finding(guest_id, opened_at);
        CREATE INDEX finding_rule ON finding(rule, opened_at);
        CREATE INDEX finding_resolved ON finding(resolved_at);

        CREATE TABLE "transition" (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE
                CHECK (length(id) = 36 AND substr(id, 9, 1) = '-' AND substr(id, 14, 1) = '-'
                       AND substr(id, 19, 1) = '-' AND substr(id, 24, 1) = '-'
                       AND NOT replace(id, '-', '') GLOB '*[^0-9a-f]*'),
            at TEXT NOT NULL
                CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]*'),
            kind TEXT NOT NULL CHECK (kind IN ('opened', 'resolved', 'waived', 'waiver-expired')),
            finding_row INTEGER NOT NULL REFERENCES finding(id) ON DELETE CASCADE,
            host_snapshot_id INTEGER NOT NULL REFERENCES host_snapshot(id),
            config_version_id INTEGER REFERENCES config_version(id),
            sent INTEGER NOT NULL DEFAULT 0 CHECK (sent IN (0, 1))
        );
        CREATE INDEX transition_at ON "transition"(at);
        CREATE INDEX transition_finding ON "transition"(finding_row, at);
        CREATE INDEX transition_host ON "transition"(host_snapshot_id);
        CREATE INDEX transition_config ON "transition"(config_version_id);
        CREATE INDEX transition_unsent ON "transition"(seq) WHERE sent = 0;
        """

    /// R beside G, and directions of migration findings (frozen).
    ///
    /// `finding.rule`'s CHECK names the rules, and SQLite cannot change a CHECK, so the table is
    /// rebuilt (SQLite's documented way: new table, copy, drop, rename, indexes) keeping every
    /// row and its id, which `transition.finding_row` references. Migration findings stored
    /// before directions existed were outgoing: their finding id is the outgoing one.
    /// `config_version` gains R (`requested`, `requested_visible`, `requested_provenance`),
    /// what the VMM dropped and which VMM decides; NULL on rows from before.
    static let v2 = """
        CREATE TABLE finding_v2 (
            id INTEGER PRIMARY KEY,
            finding_id TEXT NOT NULL CHECK (length(finding_id) = 32 AND NOT finding_id GLOB '*[^0-9a-f]*'),
            guest_id INTEGER REFERENCES guest(id),
            subject TEXT NOT NULL CHECK (subject <> ''),
            rule TEXT NOT NULL CHECK (rule IN (
                'unjustified-immunity', 'unjustified-mitigation', 'hidden-disclosure', 'unsupported-control',
                'reserved-bits', 'migration-unsafe', 'request-dropped', 'unknown-model', 'msr-hidden',
                'missed-immunity', 'host-msr-inconsistent', 'host-msr-unreadable', 'kvm-default-differs',
                'config-unreadable')),
            severity TEXT NOT NULL CHECK (severity IN ('critical', 'error', 'warning', 'notice', 'info')),
            bits TEXT NOT NULL
                CHECK (length(bits) = 18 AND bits GLOB '0x*' AND NOT substr(bits, 3) GLOB '*[^0-9a-f]*'),
            pool TEXT,
            pool_host TEXT,
            direction TEXT CHECK (direction IS NULL OR direction IN ('outgoing', 'incoming')),
            state TEXT NOT NULL CHECK (state IN ('open', 'waived', 'resolved')),
            message TEXT NOT NULL,
            guest_name TEXT,
            guest_uuid TEXT,
            source TEXT CHECK (source IS NULL OR source IN ('libvirt', 'libvirt-live', 'qemu', 'firecracker')),
            config_path TEXT,
            waiver_reason TEXT,
            waiver_expires TEXT,
            guest_value TEXT
                CHECK (guest_value IS NULL OR (length(guest_value) = 18 AND guest_value GLOB '0x*'
                                               AND NOT substr(guest_value, 3) GLOB '*[^0-9a-f]*')),
            justified_value TEXT
                CHECK (justified_value IS NULL OR (length(justified_value) = 18 AND justified_value GLOB '0x*'
                                                   AND NOT substr(justified_value, 3) GLOB '*[^0-9a-f]*')),
            host_value TEXT
                CHECK (host_value IS NULL OR (length(host_value) = 18 AND host_value GLOB '0x*'
                                              AND NOT substr(host_value, 3) GLOB '*[^0-9a-f]*')),
            origins TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(origins)),
            opened_at TEXT NOT NULL
                CHECK (opened_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9]*'),
            waived_at TEXT CHECK (waived_at IS NULL OR waived_at >= opened_at),
            waiver_expired_at TEXT CHECK (waiver_expired_at IS NULL OR waiver_expired_at >= opened_at),
            resolved_at TEXT CHECK (resolved_at IS NULL OR resolved_at >= opened_at),
            CHECK ((state = 'resolved') = (resolved_at IS NOT NULL)),
            CHECK (state <> 'waived' OR waived_at IS NOT NULL)
        );
        INSERT INTO finding_v2 (id, finding_id, guest_id, subject, rule, severity, bits, pool, pool_host, direction,
                                state, message, guest_name, guest_uuid, source, config_path, waiver_reason,
                                waiver_expires, guest_value, justified_value, host_value, origins, opened_at,
                                waived_at, waiver_expired_at, resolved_at)
            SELECT id, finding_id, guest_id, subject, rule, severity, bits, pool, pool_host,
                   CASE WHEN rule = 'migration-unsafe' THEN 'outgoing' END,
                   state, message, guest_name, guest_uuid, source, config_path, waiver_reason,
                   waiver_expires, guest_value, justified_value, host_value, origins, opened_at,
                   waived_at, waiver_expired_at, resolved_at
            FROM finding;
        DROP TABLE finding;
        ALTER TABLE finding_v2 RENAME TO finding;
        CREATE UNIQUE INDEX finding_active ON finding(finding_id) WHERE state <> 'resolved';
        CREATE INDEX finding_guest ON finding(guest_id, opened_at);
        CREATE INDEX finding_rule ON finding(rule, opened_at);
        CREATE INDEX finding_resolved ON finding(resolved_at);

        ALTER TABLE config_version ADD COLUMN requested TEXT
            CHECK (requested IS NULL OR (length(requested) = 18 AND requested GLOB '0x*'
                                         AND NOT substr(requested, 3) GLOB '*[^0-9a-f]*'));
        ALTER TABLE config_version ADD COLUMN requested_visible INTEGER
            CHECK (requested_visible IS NULL OR requested_visible IN (0, 1))
            CHECK ((requested IS NULL) = (requested_visible IS NULL));
        ALTER TABLE config_version ADD COLUMN requested_provenance TEXT
            CHECK (requested_provenance IS NULL OR json_valid(requested_provenance))
            CHECK (requested_provenance IS NULL OR requested IS NOT NULL);
        ALTER TABLE config_version ADD COLUMN dropped TEXT
            CHECK (dropped IS NULL OR (length(dropped) = 18 AND dropped GLOB '0x*'
                                       AND NOT substr(dropped, 3) GLOB '*[^0-9a-f]*'));
        ALTER TABLE config_version ADD COLUMN vmm TEXT
            CHECK (vmm IS NULL OR vmm IN ('qemu-kvm', 'qemu-tcg', 'firecracker', 'libvirt-live', 'qemu-process'));
        """
}
