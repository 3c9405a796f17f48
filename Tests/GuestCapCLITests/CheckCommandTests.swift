import Foundation
import Testing

/// A parsed `guestcap check --format json` document.
struct CheckJSON {
    let doc: [String: Any]
    init(_ text: String) throws {
        doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
    var guests: [[String: Any]] { doc["guests"] as? [[String: Any]] ?? [] }
    func guest(_ name: String) -> [String: Any]? { guests.first { $0["name"] as? String == name } }
    func findings(_ name: String) -> [[String: Any]] { guest(name)?["findings"] as? [[String: Any]] ?? [] }
    func bits(_ name: String, _ rule: String) -> [String]? {
        findings(name).first { $0["rule"] as? String == rule }?["bits"] as? [String]
    }
    var summary: [String: Int] { doc["summary"] as? [String: Int] ?? [:] }
}

@Suite("guestcap check")
struct CheckCommandTests {
    let hosts = CLI.packageRoot + "/examples/hosts/"
    let guests = CLI.packageRoot + "/examples/guests/"

    /// `guestcap check --builtin-policy --wide --format json` of example guests on an example host.
    func checkJSON(_ host: String, _ files: String...) throws -> CLI.Result {
        try CLI.guestcap(
            ["check", "--builtin-policy", "--wide", "--host-root", hosts + host, "--format", "json"]
                + files.map { guests + $0 })
    }

    func write(_ dir: String, _ name: String, _ text: String) -> String {
        let path = dir + "/" + name
        try! text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test("a QEMU/KVM -cpu with ssb-no=on on Cascade Lake: KVM lacks ssb-no, QEMU drops it → request-dropped, exit 0")
    func qemuArgs() throws {
        let r = try checkJSON("cascadelake", "batch-worker.args")
        #expect(r.status == 0, "\(r.stdout)")
        let j = try CheckJSON(r.stdout)
        #expect(j.bits("batch-worker", "request-dropped") == ["ssb-no"])
        #expect(j.bits("batch-worker", "unjustified-immunity") == nil)
        #expect(j.guest("batch-worker")?["source"] as? String == "qemu")
        let ac = try #require(j.guest("batch-worker")?["arch_capabilities"] as? [String: Any])
        #expect(ac["vmm"] as? String == "qemu-kvm")
        #expect((ac["bits"] as? [String])?.contains("ssb-no") == false)
        #expect(((ac["requested"] as? [String: Any])?["bits"] as? [String])?.contains("ssb-no") == true)
        #expect(ac["dropped"] as? [String] == ["ssb-no"])
    }

    @Test("a T2S Firecracker guest on the AMD host: the MSR is hidden from AMD guests")
    func t2sOnAMD() throws {
        let r = try checkJSON("amd-epyc", "fc-t2s.json")
        let j = try CheckJSON(r.stdout)
        let g = try #require(j.guest("fc-t2s"))
        let ac = g["arch_capabilities"] as? [String: Any]
        #expect(ac?["visible"] as? Bool == false)
        #expect(ac?["value"] as? String == "0x000000000c0a0c4c")
        // J includes every immunity the AMD kernel reports "Not affected" (verdict source).
        #expect(
            j.bits("fc-t2s", "msr-hidden") == [
                "rdctl-no", "mds-no", "pschange-mc-no", "taa-no", "sbdr-ssdp-no",
                "fbsdp-no", "psdp-no", "bhi-no", "pbrsb-no", "gds-no", "rfds-no", "its-no",
            ])
        #expect(r.status == 0)
    }

    @Test("a T2S Firecracker guest on Cascade Lake: fb-clear unjustified, control bits KVM cannot emulate")
    func t2sOnCascadeLake() throws {
        let r = try checkJSON("cascadelake", "fc-t2s.json")
        let j = try CheckJSON(r.stdout)
        #expect(j.bits("fc-t2s", "unjustified-mitigation") == ["fb-clear"])
        #expect(j.bits("fc-t2s", "unsupported-control") == ["misc-package-ctrls", "energy-filtering-ctl"])
        #expect(r.status == 1)
    }

    @Test("a custom Firecracker template setting its-no on a host affected by ITS")
    func customTemplate() throws {
        let r = try checkJSON("cascadelake", "fc-its-template.json")
        let j = try CheckJSON(r.stdout)
        #expect(j.bits("fc-its-template", "unjustified-immunity") == ["its-no"])
        let origin = (j.findings("fc-its-template").first?["origins"] as? [String])?.first ?? ""
        #expect(origin.contains("msr_modifiers") && origin.contains("line 4"))
    }

    @Test("libvirt (KVM): force taa-no on Cascade Lake (TAA affected) → asks for it, told without it, request-dropped")
    func libvirtForce() throws {
        let r = try CLI.guestcap([
            "check", "--builtin-policy", "--wide", "--host-root", hosts + "cascadelake", guests + "web-force-taa.xml",
        ])
        #expect(r.status == 0, "\(r.stdout)")
        #expect(!r.stdout.contains("unjustified-immunity"))
        #expect(r.stdout.contains("asks for:     0x000000000000016b"))
        #expect(r.stdout.contains("told:         0x000000000000006b"))
        #expect(
            r.stdout.contains(
                "NOTICE request-dropped [taa-no]: asks for taa-no, which KVM on this host does not provide"))
        #expect(r.stdout.contains("claimed by <feature policy='force' name='taa-no'/> (line 24)"))
    }

    @Test("libvirt live file told taa-no on Cascade Lake (TAA affected) → unjustified-immunity [taa-no] with the line")
    func libvirtLiveClaim() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A guest that booted elsewhere with taa-no and runs here now: the live file records it.
        let domain = try String(contentsOfFile: guests + "web-force-taa.xml", encoding: .utf8)
        let body = domain[domain.range(of: "<domain")!.lowerBound...]
        let live = write(dir, "web-force-taa.xml", "<domstatus state='running' pid='4242'>\n" + body + "</domstatus>\n")
        let r = try CLI.guestcap(["check", "--builtin-policy", "--wide", "--host-root", hosts + "cascadelake", live])
        #expect(r.status == 1)
        #expect(r.stdout.contains("CRITICAL unjustified-immunity [taa-no]"))
        #expect(r.stdout.contains("claimed by <feature policy='force' name='taa-no'/> (line 18)"))
        #expect(r.stdout.contains("tsx_async_abort: 'Mitigation: Clear CPU buffers; SMT vulnerable'"))
    }

    @Test("libvirt (KVM): Cascadelake-Server-noTSX on a host whose KVM lacks ibrs-all → dropped, not claimed")
    func libvirtMitigation() throws {
        let r = try checkJSON("skylake-oldmicrocode", "web-force-taa.xml")
        let j = try CheckJSON(r.stdout)
        #expect(j.bits("web-force-taa", "unjustified-mitigation") == nil)
        #expect(j.bits("web-force-taa", "request-dropped")?.contains("ibrs-all") == true)
    }

    @Test("libvirt: host-passthrough is compliant; no <cpu> gives msr-hidden")
    func libvirtCompliant() throws {
        let r = try checkJSON("cascadelake", "db-passthrough.xml", "legacy-nocpu.xml")
        #expect(r.status == 0, "\(r.stdout)")
        let j = try CheckJSON(r.stdout)
        #expect(j.guest("db-passthrough")?["status"] as? String == "compliant")
        #expect(j.bits("legacy-nocpu", "msr-hidden") == ["rdctl-no", "mds-no", "pschange-mc-no", "gds-no", "rfds-no"])
    }

    @Test("the whole examples folder: JSON validates against the schema, README.md is not a candidate")
    func folderValidates() throws {
        for host in [
            "cascadelake", "graniterapids", "amd-epyc", "emeraldrapids", "mixed-microcode", "skylake-oldmicrocode",
        ] {
            let r = try CLI.guestcap([
                "check", "--builtin-policy", "--wide", "--host-root", hosts + host, "--format", "json", guests,
            ])
            let v = try CLI.validate(r.stdout)
            #expect(v.status == 0, "\(host): \(v.stdout)")
            let j = try CheckJSON(r.stdout)
            #expect(j.summary["guests"] == 6)
        }
    }

    @Test("an unreadable file makes the exit status 2 while the others are still reported")
    func unreadableExit2() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = write(dir, "broken.xml", "<domain><name>x</name>")
        _ = write(dir, "ok.args", "/usr/bin/qemu-system-x86_64 -name guest=ok -cpu host")
        _ = write(dir, "net.xml", "<network><name>default</name></network>")
        _ = write(dir, ".hidden.xml", "<domain/>")
        _ = write(dir, "web.xml.new", "<domain/>")
        let r = try CLI.guestcap([
            "check", "--builtin-policy", "--wide", "--host-root", hosts + "cascadelake", "--format", "json", dir,
        ])
        #expect(r.status == 2)
        let j = try CheckJSON(r.stdout)
        #expect(j.guest("ok")?["status"] as? String == "compliant")
        let broken = j.guests.first { ($0["path"] as? String)?.hasSuffix("broken.xml") == true }
        #expect(broken?["status"] as? String == "unreadable")
        #expect((broken?["error"] as? String)?.contains("broken.xml") == true)
        let skipped = j.doc["skipped"] as? [[String: String]] ?? []
        #expect(skipped.map { ($0["path"]! as NSString).lastPathComponent } == ["net.xml"])
        #expect(j.summary["guests"] == 2, "dot-files and temporaries are ignored")
    }

    @Test("exit 0 when nothing at error or above is open; usage errors exit 2")
    func exitCodes() throws {
        let ok = try CLI.guestcap([
            "check", "--builtin-policy", "--wide", "--host-root", hosts + "cascadelake", guests + "db-passthrough.xml",
        ])
        #expect(ok.status == 0)
        let usage = try CLI.guestcap(["check"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("PATH"))
        let both = try CLI.guestcap([
            "check", "--builtin-policy", "--wide", "--host-root", "/x", "--host-snapshot", "/y", guests,
        ])
        #expect(both.status == 2)
    }

    @Test("a severity override in the policy changes the exit status")
    func severityOverride() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let lenient = write(dir, "lenient.toml", "[rules.unjustified-immunity]\nseverity = \"warning\"\n")
        let strict = write(dir, "strict.toml", "[rules.missed-immunity]\nseverity = \"error\"\n")
        let args = ["check", "--host-root", hosts + "cascadelake", guests + "fc-its-template.json"]
        #expect(try CLI.guestcap(args + ["--builtin-policy"]).status == 1)
        #expect(try CLI.guestcap(args + ["--policy", lenient]).status == 0)
        let pass = [
            "check", "--builtin-policy", "--wide", "--host-root", hosts + "cascadelake", guests + "db-passthrough.xml",
        ]
        #expect(try CLI.guestcap(pass).status == 0)
        let fc = ["check", "--host-root", hosts + "cascadelake", guests + "fc-its-template.json", "--policy", strict]
        #expect(try CLI.guestcap(fc).status == 1)
    }

    /// guestcap run with `/etc/guestcap/policy.toml` holding `policy`, in a mount namespace whose
    /// /etc is an overlay: this machine's own /etc is neither read nor changed.
    func withInstalledPolicy(_ policy: String, _ args: [String]) throws -> CLI.Result {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for d in ["upper", "work"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + d, withIntermediateDirectories: true)
        }
        let script = """
            mount -t overlay overlay -o lowerdir=/etc,upperdir="$0/upper",workdir="$0/work" /etc || exit 99
            mkdir -p /etc/guestcap && cat > /etc/guestcap/policy.toml && exec "$@"
            """
        return try CLI.run(
            "unshare", ["--mount", "--propagation", "private", "sh", "-c", script, dir, CLI.binary] + args,
            stdin: policy)
    }

    @Test(
        "check reads /etc/guestcap/policy.toml by default, as the daemon does; --builtin-policy ignores it",
        .enabled(if: getuid() == 0, "needs root for a private mount namespace"))
    func installedPolicyByDefault() throws {
        let args = ["check", "--host-root", hosts + "cascadelake", guests + "fc-its-template.json"]
        let lenient = "[rules.unjustified-immunity]\nseverity = \"warning\"\n"
        let installed = try withInstalledPolicy(lenient, args)
        try #require(installed.status != 99, "overlay mount: \(installed.stderr)")
        #expect(
            installed.status == 0,
            "the installed policy lowers the finding to a warning: \(installed.stdout)\(installed.stderr)")
        #expect(installed.stdout.contains("WARNING unjustified-immunity [its-no]"))
        let builtin = try withInstalledPolicy(lenient, ["check", "--builtin-policy"] + args.dropFirst())
        #expect(builtin.status == 1 && builtin.stdout.contains("CRITICAL unjustified-immunity [its-no]"))
        let broken = try withInstalledPolicy("[rules.no-such-rule]\n", args)
        #expect(broken.status == 2 && broken.stderr.contains("/etc/guestcap/policy.toml:1"), "\(broken.stderr)")
        let both = try CLI.guestcap(["check", "--builtin-policy", "--wide", "--policy", "/x.toml"] + args.dropFirst())
        #expect(both.status == 2 && both.stderr.contains("either --policy or --builtin-policy"))
    }

    @Test("check on disagreeing CPUs says which CPUs report what, not a line ending in a colon")
    func inconsistentHostLine() throws {
        let r = try CLI.guestcap([
            "check", "--builtin-policy", "--wide", "--host-root", hosts + "mixed-microcode",
            guests + "db-passthrough.xml",
        ])
        let line = try #require(r.stdout.split(separator: "\n").first { $0.contains("MSR 0x10a inconsistent") })
        #expect(!line.hasSuffix(":") && !line.hasSuffix(": "), "\(line)")
        #expect(line.contains("the CPUs disagree") && line.contains("CPU 3 report 0x000000000000002b"), "\(line)")
    }

    @Test("policy check --format json gives each problem's line as a number")
    func policyProblemLineIsNumber() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = write(dir, "bad.toml", "kvm_synthesis = true\n[rules.no-such-rule]\nenabled = false\n")
        let r = try CLI.guestcap(["policy", "check", "--format", "json", bad])
        #expect(r.status == 2)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let problems = try #require(doc["problems"] as? [[String: Any]])
        #expect(!problems.isEmpty)
        for p in problems { #expect(p["line"] is NSNumber && !(p["line"] is String), "\(p)") }
        #expect(problems.contains { ($0["line"] as? Int) == 2 })
    }

    @Test("a broken policy exits 2 naming file, line and key")
    func brokenPolicy() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bad = write(dir, "bad.toml", "kvm_synthesis = true\n[rules.no-such-rule]\nenabled = false\n")
        let r = try CLI.guestcap(["check", "--policy", bad, "--host-root", hosts + "cascadelake", guests])
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.toml:2"))
        #expect(r.stderr.contains("no-such-rule"))
        let pc = try CLI.guestcap(["policy", "check", bad])
        #expect(pc.status == 2)
        #expect(try CLI.guestcap(["policy", "check", CLI.packageRoot + "/etc/guestcap/policy.toml"]).status == 0)
    }

    @Test("a saved snapshot stands in for the host: same verdicts as the host tree")
    func snapshot() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let snap = try CLI.guestcap([
            "host", "--builtin-policy", "--host-root", hosts + "cascadelake", "--format", "json",
        ])
        let file = write(dir, "clx.json", snap.stdout)
        let a = try CLI.guestcap([
            "check", "--builtin-policy", "--wide", "--host-snapshot", file, "--format", "json",
            guests + "batch-worker.args",
        ])
        let b = try checkJSON("cascadelake", "batch-worker.args")
        #expect(
            try CheckJSON(a.stdout).findings("batch-worker").count == CheckJSON(b.stdout).findings("batch-worker").count
        )
        #expect(a.status == b.status)
    }

    @Test(
        "--host-snapshot: a FIFO is refused at once (not waited on), a missing file and a partial one are named with the reason"
    )
    func snapshotNotUsable() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fifo = dir + "/fifo.json"
        try #require(mkfifo(fifo, 0o600) == 0)
        // timeout(1) turns a reader blocked on the FIFO into exit 124.
        let r = try CLI.run(
            "/usr/bin/timeout",
            ["20", CLI.binary, "check", "--builtin-policy", "--host-snapshot", fifo, guests + "web-force-taa.xml"])
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains(fifo + ": cannot be read (is not a regular file)"), "\(r.stderr)")
        let missing = try CLI.guestcap([
            "check", "--builtin-policy", "--host-snapshot", dir + "/none.json", guests + "web-force-taa.xml",
        ])
        #expect(missing.status == 2 && missing.stderr.contains(dir + "/none.json: does not exist"), "\(missing.stderr)")
        // A report-shaped file whose host lacks its CPUs: the reason is about the host member.
        let partial = write(dir, "partial.json", #"{"host": {"hostname": "x"}}"#)
        let p = try CLI.guestcap([
            "check", "--builtin-policy", "--host-snapshot", partial, guests + "web-force-taa.xml",
        ])
        #expect(
            p.status == 2 && p.stderr.contains("is not a guestcap host snapshot") && p.stderr.contains("host"),
            "\(p.stderr)")
    }
}
