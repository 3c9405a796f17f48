import Foundation
import Testing

/// `guestcap fleet --journal DIR` over real journal files, written by `systemd-journal-remote`
/// from entries in the journal export format (what `systemd-journal-upload` sends it).
@Suite("guestcap fleet --journal", .serialized)
struct FleetJournalTests {
    static let remote = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Entries in the export format, one second apart; every one gets a boot id and timestamps.
    struct Stream {
        var text = ""
        var time: UInt64 = 1_796_450_000_000_000
        mutating func entry(_ fields: [(String, String)]) {
            time += 1_000_000
            text += "__REALTIME_TIMESTAMP=\(time)\n__MONOTONIC_TIMESTAMP=\(time - 1_796_000_000_000_000)\n"
            text += "_BOOT_ID=5d9a4da41de349d1a9d5805ca5c1370d\n"
            for (k, v) in fields { text += "\(k)=\(v)\n" }
            text += "\n"
        }
    }

    /// A journal folder with two hosts' guestcap entries, including what this version does not
    /// know (a later rule, a later event, an unknown severity), a transition delivered twice, and
    /// another program's entry that looks like guestcap's.
    static func journal() async throws -> String {
        let dir = CLI.tempDir("guestcap-fleet-journal")
        var s = Stream()
        let a = [
            ("_MACHINE_ID", "0123456789abcdef0123456789abcdef"), ("_HOSTNAME", "journald-name-a"),
            ("SYSLOG_IDENTIFIER", "guestcap"),
        ]
        let b = [
            ("_MACHINE_ID", "fedcba9876543210fedcba9876543210"), ("_HOSTNAME", "kvm-skx-07"),
            ("SYSLOG_IDENTIFIER", "guestcap"),
        ]
        func finding(
            _ event: String, _ rule: String, _ severity: String, _ state: String, guest: String?,
            id: String, transition: String, extra: [(String, String)] = []
        ) -> [(String, String)] {
            var f = [
                ("MESSAGE", "\(guest ?? "host"): \(rule) \(event)"), ("GUESTCAP_EVENT", event),
                ("GUESTCAP_RULE", rule), ("GUESTCAP_SEVERITY", severity), ("GUESTCAP_STATE", state),
                ("GUESTCAP_FINDING_ID", id), ("GUESTCAP_TRANSITION_ID", transition),
            ]
            if let guest {
                f += [
                    ("GUESTCAP_GUEST_NAME", guest), ("GUESTCAP_SOURCE", "libvirt"),
                    ("GUESTCAP_CONFIG_PATH", "/etc/libvirt/qemu/\(guest).xml"),
                ]
            }
            return f + extra
        }
        s.entry(
            a + [
                ("MESSAGE", "host kvm-clx-01 first seen"), ("GUESTCAP_EVENT", "host-changed"),
                ("GUESTCAP_HOSTNAME", "kvm-clx-01"), ("GUESTCAP_MACHINE_ID", "c1a5cade000000000000000000000001"),
                ("GUESTCAP_MSR_STATUS", "ok"), ("GUESTCAP_HOST_VALUE", "0x00000000000000ab"),
                ("GUESTCAP_JUSTIFIED_VALUE", "0x000000000c0000eb"),
            ])
        s.entry(a + [("MESSAGE", "started"), ("GUESTCAP_EVENT", "daemon-started"), ("GUESTCAP_GUESTS", "4")])
        let opened = finding(
            "opened", "unjustified-immunity", "critical", "open", guest: "web", id: "f1", transition: "t1",
            extra: [
                ("GUESTCAP_BITS", "taa-no"), ("GUESTCAP_GUEST_UUID", "5b1e7c2a-8f0c-4d5e-9a1b-0c2d3e4f5a61"),
                ("GUESTCAP_GUEST_VALUE", "0x000000000000016b"),
            ])
        s.entry(a + opened)
        s.entry(a + opened)
        s.entry(
            a
                + finding(
                    "resolved", "unjustified-immunity", "critical", "resolved", guest: "web", id: "f1", transition: "t2"
                ))
        s.entry(
            a
                + finding(
                    "opened", "migration-unsafe", "error", "open", guest: "db", id: "f2", transition: "t3",
                    extra: [
                        ("GUESTCAP_BITS", "mds-no"), ("GUESTCAP_POOL", "clx-gnr"),
                        ("GUESTCAP_POOL_HOST", "kvm-gnr-03"), ("GUESTCAP_DIRECTION", "outgoing"),
                    ]))
        s.entry(a + finding("opened", "request-dropped", "warning", "open", guest: "app", id: "f3", transition: "t4"))
        s.entry(a + [("MESSAGE", "something new"), ("GUESTCAP_EVENT", "something-new")])
        s.entry(
            a
                + finding(
                    "opened", "unjustified-immunity", "catastrophic", "open", guest: "odd", id: "f5", transition: "t5"))
        s.entry(
            b + [
                ("MESSAGE", "host kvm-skx-07 first seen"), ("GUESTCAP_EVENT", "host-changed"),
                ("GUESTCAP_MSR_STATUS", "absent"), ("GUESTCAP_HOST_VALUE", "0x0000000000000000"),
                ("GUESTCAP_JUSTIFIED_VALUE", "0x0000000008000048"),
            ])
        s.entry(b + [("MESSAGE", "started"), ("GUESTCAP_EVENT", "daemon-started"), ("GUESTCAP_GUESTS", "2")])
        s.entry(b + finding("opened", "host-msr-unreadable", "warning", "open", guest: nil, id: "f4", transition: "t6"))
        s.entry(
            [("_MACHINE_ID", "fedcba9876543210fedcba9876543210"), ("SYSLOG_IDENTIFIER", "imitator")]
                + finding(
                    "opened", "unjustified-immunity", "critical", "open", guest: "fake", id: "f9", transition: "t9"))
        let r = try await CLI.run(remote!, ["--output=\(dir)/remote-hosts.journal", "-"], stdin: s.text)
        try #require(r.status == 0, "systemd-journal-remote: \(r.stderr)")
        return dir
    }

    @Test(
        "JSON: hosts named as in their exports, findings replayed to their latest state, unknown rules counted, unknown entries skipped; exit 1",
        .enabled(if: remote != nil, "systemd-journal-remote is not installed: scripts/ensure-deps.sh fleet installs it")
    )
    func json() async throws {
        let dir = try await Self.journal()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await CLI.guestcap(["fleet", "--format", "json", "--journal", dir])
        #expect(r.status == 1, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let inputs = doc["inputs"] as! [String: Any]
        #expect(inputs["hosts"] as? Int == 2)
        #expect(inputs["journal"] as? String == dir)
        let totals = doc["totals"] as! [String: Any]
        // kvm-clx-01: 4 guests at start, web (violating while open) and db (migration-unsafe) violate;
        // kvm-skx-07: 2 guests, none named.
        #expect(totals["guests"] as? Int == 6)
        #expect(totals["violating"] as? Int == 2)
        #expect(totals["compliant"] as? Int == 4)
        let findings = totals["findings"] as! [String: [String: Int]]
        #expect(findings["open"] == ["error": 1, "warning": 2])
        #expect(findings["resolved"] == ["critical": 1], "the transition delivered twice counts once")
        let rules = (doc["findings_by_rule"] as! [[String: Any]]).map { ($0["rule"] as! String, $0["open"] as! Int) }
        #expect(
            rules.contains { $0 == ("request-dropped", 1) }, "a rule this version does not know is counted: \(rules)")
        #expect(
            !rules.contains { $0.0 == "unjustified-immunity" && $0.1 > 0 },
            "the imitator and the odd severity are not read")
        let worst = doc["worst_hosts"] as! [[String: Any]]
        #expect(worst.first?["hostname"] as? String == "kvm-clx-01")
        #expect(worst.first?["machine_id"] as? String == "c1a5cade000000000000000000000001")
        // What is open now at error or above: db's migration-unsafe; web's finding was resolved.
        let open = worst.first?["open"] as? [[String: String]]
        #expect(open == [["guest": "db", "rule": "migration-unsafe", "severity": "error"]])
        let states = Set((doc["host_states"] as! [[String: Any]]).map { "\($0["status"]!) \($0["justified"]!)" })
        #expect(states == ["ok 0x000000000c0000eb", "absent 0x0000000008000048"])
        let pools = doc["migration_matrix"] as! [[String: Any]]
        #expect(pools.count == 1)
        let row = (pools.first?["rows"] as? [[String: Any]])?.first
        #expect(row?["guest"] as? String == "db")
        #expect((row?["unsafe"] as? [String: [String]]) == ["kvm-gnr-03": ["mds-no"]])
    }

    @Test(
        "text and HTML say the report comes from the journal",
        .enabled(if: remote != nil, "systemd-journal-remote is not installed: scripts/ensure-deps.sh fleet installs it")
    )
    func textAndHTML() async throws {
        let dir = try await Self.journal()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try await CLI.guestcap(["fleet", "--journal", dir])
        #expect(text.status == 1)
        #expect(text.stdout.contains("2 hosts from the journal \(dir), 6 guests"), "\(text.stdout)")
        #expect(text.stdout.contains("request-dropped"))
        #expect(text.stdout.contains("kvm-clx-01 open now: db migration-unsafe (error)"), "\(text.stdout)")
        let html = try await CLI.guestcap(["fleet", "--format", "html", "--journal", dir])
        #expect(html.stdout.contains("2 hosts from the journal"))
    }

    @Test(
        "a folder without guestcap entries, a missing folder, a file, and --journal with exports: exit 2 with the reason"
    )
    func unusable() async throws {
        let empty = CLI.tempDir("guestcap-fleet-journal-empty")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let r = try await CLI.guestcap(["fleet", "--journal", empty])
        #expect(r.status == 2)
        #expect(r.stderr.contains(empty) && r.stderr.contains("no guestcap journal entries"), "\(r.stderr)")
        let gone = try await CLI.guestcap(["fleet", "--journal", empty + "/nonexistent"])
        #expect(gone.status == 2 && gone.stderr.contains(empty + "/nonexistent"), "\(gone.stderr)")
        let file = empty + "/x.journal"
        try Data("not a journal".utf8).write(to: URL(fileURLWithPath: file))
        let notDir = try await CLI.guestcap(["fleet", "--journal", file])
        #expect(notDir.status == 2 && notDir.stderr.contains("not a folder"), "\(notDir.stderr)")
        let both = try await CLI.guestcap(["fleet", "--journal", empty, empty])
        #expect(both.status == 2 && both.stderr.contains("not both"), "\(both.stderr)")
        for out in [r.stderr, gone.stderr, notDir.stderr] { #expect(!out.contains("Error("), "\(out)") }
    }
}
