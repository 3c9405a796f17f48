import Foundation
import Glibc
import GuestCapTestSupport
import Testing

@Suite("guestcap export", .serialized)
struct ExportCommandTests {
    /// One example export (a Cascade Lake host with 12 guests) as the input to re-render.
    let dir: String
    let input: String

    init() throws {
        let dir = try CLI.exports(hosts: 1, guests: 12)
        let name = try FileManager.default.contentsOfDirectory(atPath: dir).first { $0.hasSuffix(".json") }!
        self.dir = dir
        input = dir + "/" + name
    }

    func summary(_ json: String) throws -> [String: Int] {
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        return doc["summary"] as! [String: Int]
    }

    @Test("--format json validates against the report schema and keeps period, host_snapshots and the policy hash")
    func json() throws {
        let r = try CLI.guestcap(["export", "--from-report", input, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let v = try CLI.validate(r.stdout)
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        #expect(
            r.stdout.contains("\"period\"") && r.stdout.contains("\"host_snapshots\"")
                && r.stdout.contains("\"sha256\""))
    }

    @Test("--format csv parses with Python's csv.DictReader: one row per finding, the documented header")
    func csv() throws {
        let r = try CLI.guestcap(["export", "--from-report", input, "--format", "csv"])
        #expect(r.status == 0)
        let json = try CLI.guestcap(["export", "--from-report", input, "--format", "json"]).stdout
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let findings =
            (doc["guests"] as! [[String: Any]]).reduce(0) { $0 + ($1["findings"] as! [Any]).count }
            + (doc["host_findings"] as! [Any]).count
        let py = try CLI.run(
            "python3",
            [
                "-c",
                """
                import csv, sys
                r = csv.DictReader(sys.stdin)
                rows = list(r)
                assert r.fieldnames[:9] == ["host", "guest", "rule", "severity", "bits", "opened", "resolved", "state", "waiver"], r.fieldnames
                assert all(None not in row for row in rows)
                print(len(rows))
                """,
            ], stdin: r.stdout)
        #expect(py.status == 0, "\(py.stderr)")
        #expect(py.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(findings)")
    }

    @Test("--format prometheus passes promtool check metrics", .needs(.promtool))
    func prometheus() throws {
        let r = try CLI.guestcap(["export", "--from-report", input, "--format", "prometheus"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("# TYPE guestcap_guests gauge"))
        let check = try CLI.run(try TestTool.promtool.require(), ["check", "metrics"], stdin: r.stdout)
        #expect(check.status == 0 && check.stdout.isEmpty && check.stderr.isEmpty, "\(check.stdout)\(check.stderr)")
    }

    @Test("--format all --output-dir: three reports 0640 named after host and period; --textfile 0644; under umask 077")
    func all() throws {
        let out = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try CLI.run(
            "sh",
            [
                "-c", "umask 077; exec \"$0\" \"$@\"", CLI.binary, "export", "--from-report", input,
                "--format", "all", "--output-dir", out, "--textfile", out + "/guestcap.prom",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        let base = "guestcap-clx-00000-20261124T000000Z--20261125T000000Z"
        #expect(files == [base + ".csv", base + ".html", base + ".json", "guestcap.prom"])
        for f in files {
            let mode = try FileManager.default.attributesOfItem(atPath: out + "/" + f)[.posixPermissions] as? Int
            #expect(mode == (f.hasSuffix(".prom") ? 0o644 : 0o640), "\(f)")
        }
        let v = try CLI.run("python3", [CLI.packageRoot + "/scripts/validate-json.py", out + "/" + base + ".json"])
        #expect(v.status == 0, "\(v.stdout)")
    }

    @Test(
        "--output-dir that does not exist yet (a fresh install's exports/) is made 0700; a file in its place is an error naming it"
    )
    func missingOutputDir() throws {
        let parent = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let out = parent + "/exports/daily"
        let r = try CLI.run(
            "sh",
            [
                "-c", "umask 077; exec \"$0\" \"$@\"", CLI.binary, "export", "--from-report", input,
                "--format", "all", "--output-dir", out,
            ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).count == 3)
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        let blocked = parent + "/blocked"
        #expect(FileManager.default.createFile(atPath: blocked, contents: Data()))
        let b = try CLI.guestcap([
            "export", "--from-report", input, "--format", "all", "--output-dir", blocked + "/sub",
        ])
        #expect(b.status == 2, "\(b.stderr)")
        #expect(b.stderr.contains(blocked + "/sub: could not write"), "\(b.stderr)")
    }

    @Test("the HTML page renders in headless Chromium with the guest and finding counts of the JSON", .needs(.chromium))
    func htmlInBrowser() throws {
        let out = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let page = out + "/report.html"
        #expect(try CLI.guestcap(["export", "--from-report", input, "--format", "html", "--output", page]).status == 0)
        let json = try CLI.guestcap(["export", "--from-report", input, "--format", "json"]).stdout
        let s = try summary(json)
        let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        let findings =
            (doc["guests"] as! [[String: Any]]).reduce(0) { $0 + ($1["findings"] as! [Any]).count }
            + (doc["host_findings"] as! [Any]).count

        let dom = try Browser.dom(page)
        #expect(dom.status == 0, "\(dom.stderr)")
        #expect(Browser.bodyAttribute(dom.stdout, "data-guests") == "\(s["guests"]!)")
        #expect(Browser.text(dom.stdout, id: "count-guests") == "\(s["guests"]!)")
        #expect(Browser.text(dom.stdout, id: "count-violating") == "\(s["violating"]!)")
        #expect(Browser.text(dom.stdout, id: "count-findings") == "\(findings)")
        let rows = dom.stdout.components(separatedBy: "<tr class=\"guest\"").count - 1
        #expect(rows == s["guests"]!, "one matrix row per guest")
        #expect(dom.stdout.components(separatedBy: "<tr class=\"finding ").count - 1 == findings)

        let png = out + "/report.png"
        let shot = try Browser.screenshot(page, to: png)
        #expect(shot.status == 0, "\(shot.stderr)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(bytes.count > 10_000 && bytes.starts(with: [0x89, 0x50, 0x4e, 0x47]), "a PNG of a rendered page")
    }

    @Test("usage errors exit 2 and say what to write")
    func usage() throws {
        let bad = try CLI.guestcap(["export", "--since", "yesterday", "--database", "/nonexistent.sqlite"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--since 'yesterday' is not a date"))
        let noDir = try CLI.guestcap(["export", "--format", "all"])
        #expect(noDir.status == 2 && noDir.stderr.contains("--output-dir"))
        let missing = try CLI.guestcap(["export", "--from-report", "/nonexistent/report.json"])
        #expect(missing.status == 2 && missing.stderr.contains("/nonexistent/report.json"))
    }
}

@Suite("guestcap export from the history database", .serialized)
struct ExportDatabaseTests {
    /// A history database of one example host over 2026-11-24 (Benchmarks/fleet/ExampleHistory.swift):
    /// a guest fixed at 09:30, one added at 14:00 and removed at 21:00, a microcode update at 18:00.
    let db: String

    init() throws {
        let dir = CLI.tempDir("guestcap-history")
        db = dir + "/history.sqlite"
        let r = try CLI.run(
            CLI.generator, ["--history", db, "--guests", "12", "--examples", CLI.packageRoot + "/examples/hosts"])
        precondition(r.status == 0, "guestcap-fleet-gen --history failed: \(r.stderr)")
    }

    func export(_ args: [String]) throws -> CLI.Result {
        try CLI.guestcap(["export", "--database", db, "--since", "2026-11-24", "--until", "2026-11-25"] + args)
    }

    @Test("JSON from the database validates; worst status in the period; host states from the stored snapshots")
    func json() throws {
        let r = try export(["--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let v = try CLI.validate(r.stdout)
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let period = doc["period"] as! [String: String]
        #expect(period == ["from": "2026-11-24T00:00:00Z", "to": "2026-11-25T00:00:00Z"])
        let snapshots = doc["host_snapshots"] as! [[String: Any]]
        #expect(snapshots.count == 2, "the microcode update at 18:00 is a second host state")
        #expect(((doc["host"] as! [String: Any])["cpu"] as! [String: Any])["microcode"] as? String == "0x5003901")
        let guests = doc["guests"] as! [[String: Any]]
        #expect(guests.count == 13, "12 guests and the one that came and went")
        let fixed = try #require(guests.first { $0["name"] as? String == "vm-0000006" })
        #expect(fixed["status"] as? String == "violating", "fixed at 09:30, but violating earlier in the period")
        let immunity = (fixed["findings"] as! [[String: Any]]).first { $0["rule"] as? String == "unjustified-immunity" }
        #expect(immunity?["state"] as? String == "resolved")
        #expect(immunity?["resolved_at"] as? String == "2026-11-24T09:30:00Z")
        let gone = try #require(guests.first { $0["name"] as? String == "vm-new-live" })
        #expect(gone["status"] as? String == "violating")
    }

    @Test("a period before the guest was fixed and after: the guest's status follows")
    func periods() throws {
        let after = try CLI.guestcap([
            "export", "--database", db, "--since", "2026-11-24T10:00:00Z",
            "--until", "2026-11-25", "--format", "json",
        ])
        let doc = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as! [String: Any]
        let fixed = (doc["guests"] as! [[String: Any]]).first { $0["name"] as? String == "vm-0000006" }
        #expect(fixed?["status"] as? String == "compliant")
    }

    @Test("--format all writes the three reports; the Prometheus text passes promtool", .needs(.promtool))
    func all() throws {
        let out = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try export(["--format", "all", "--output-dir", out, "--textfile", out + "/guestcap.prom"])
        #expect(r.status == 0, "\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(files.count == 4 && files.contains("guestcap-clx-00000-20261124T000000Z--20261125T000000Z.html"))
        let prom = try String(contentsOfFile: out + "/guestcap.prom", encoding: .utf8)
        // The last audit the generator committed: 2026-11-24T23:54:00Z.
        #expect(prom.contains("guestcap_last_audit_timestamp_seconds 1795564440.0"), "\(prom)")
        let check = try CLI.run(try TestTool.promtool.require(), ["check", "metrics"], stdin: prom)
        #expect(check.status == 0 && check.stdout.isEmpty && check.stderr.isEmpty, "\(check.stdout)\(check.stderr)")
    }

    @Test("a full file system: each format fails naming the file, the old report stays, no temporary is left")
    func fullDisk() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // One 4 KiB page, taken by the old report: the first piece written after it fails.
        let mount = try CLI.run("/bin/mount", ["-t", "tmpfs", "-o", "size=4k", "tmpfs", dir])
        try #require(mount.status == 0, "mount (needs root): \(mount.stderr)")
        defer { _ = try? CLI.run("/bin/umount", ["-l", dir]) }
        for format in ["json", "csv", "html"] {
            let path = dir + "/report.\(format)"
            try "old".write(toFile: path, atomically: false, encoding: .utf8)
            let r = try export(["--format", format, "--output", path])
            #expect(r.status != 0, "\(format)")
            #expect(r.stderr.contains(path) && r.stderr.contains("No space left on device"), "\(format): \(r.stderr)")
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "old", "\(format)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["report.\(format)"], "\(format)")
            try FileManager.default.removeItem(atPath: path)
        }
    }

    @Test("a database that does not exist: exit 2 naming it")
    func missing() throws {
        let r = try CLI.guestcap(["export", "--database", "/nonexistent/history.sqlite"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("/nonexistent/history.sqlite"))
    }
}

@Suite("guestcap export: bad input")
struct ExportBadInputTests {
    @Test("--from-report of an empty or non-JSON file says so, in words, without Swift type names")
    func unreadableReport() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (name, text, reason) in [
            ("empty.json", "", "the file is empty"), ("junk.json", "{ nope", "not JSON"),
            ("other.json", #"{"format": "x"}"#, "missing '"),
        ] {
            try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
            let r = try CLI.guestcap(["export", "--from-report", dir + "/" + name])
            #expect(r.status == 2)
            #expect(r.stderr.contains(dir + "/" + name) && r.stderr.contains(reason), "\(r.stderr)")
            for swiftName in ["DecodingError", "dataCorrupted", "Context(", "CodingKeys", "NSError"] {
                #expect(!r.stderr.contains(swiftName), "\(r.stderr)")
            }
        }
    }

    @Test("export --from-report and fleet refuse a FIFO at once, naming it, instead of waiting for a writer")
    func fifoInput() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/report.json"
        try #require(mkfifo(fifo, 0o600) == 0)
        // timeout(1) turns a reader blocked on the FIFO into exit 124.
        for args in [["export", "--from-report", fifo], ["fleet", fifo]] {
            let r = try CLI.run("/usr/bin/timeout", ["20", CLI.binary] + args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(fifo) && r.stderr.contains("is a FIFO, not a regular file"), "\(r.stderr)")
        }
    }

    @Test(
        "--output-dir that cannot be made (a file stands in its path): the message names the folder, not a temporary file"
    )
    func blockedOutputDir() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try CLI.exportExample(to: dir + "/r.json")
        #expect(FileManager.default.createFile(atPath: dir + "/file", contents: Data()))
        let blocked = dir + "/file/exports"
        let r = try CLI.guestcap([
            "export", "--from-report", dir + "/r.json", "--format", "all", "--output-dir", blocked,
        ])
        #expect(r.status == 2)
        #expect(r.stderr.contains(blocked), "\(r.stderr)")
        #expect(!r.stderr.contains(".tmp"), "\(r.stderr)")
    }

    @Test("--since after --until is refused by export and history alike (exit 2, the same sentence)")
    func emptyPeriod() throws {
        let range = ["--since", "2026-11-02", "--until", "2026-11-01", "--database", "/nonexistent/h.sqlite"]
        let export = try CLI.guestcap(["export"] + range)
        let history = try CLI.guestcap(["history"] + range)
        let sentence = "the period is empty: --since 2026-11-02T00:00:00Z is not before --until 2026-11-01T00:00:00Z"
        #expect(export.status == 2 && export.stderr.contains(sentence), "\(export.stderr)")
        #expect(history.status == 2 && history.stderr.contains(sentence), "\(history.stderr)")
        #expect(!history.stdout.contains("No events match"))
    }
}

extension CLI {
    /// Writes `guestcap check --format json` of one example guest to `path`: a small report.
    static func exportExample(to path: String) throws {
        let r = try guestcap([
            "check", "--builtin-policy", "--host-root", packageRoot + "/examples/hosts/cascadelake",
            "--format", "json", packageRoot + "/examples/guests/db-passthrough.xml",
        ])
        try r.stdout.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
