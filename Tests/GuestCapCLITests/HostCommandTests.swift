import Foundation
import Testing

@Suite("guestcap host")
struct HostCommandTests {
    static let examples = ["cascadelake", "skylake-oldmicrocode", "graniterapids", "amd-epyc", "mixed-microcode"]

    @Test("JSON for every example host validates against the report schema's host object", arguments: examples)
    func jsonValidates(example: String) throws {
        let r = try CLI.guestcap([
            "host", "--builtin-policy", "--wide", "--host-root", CLI.packageRoot + "/examples/hosts/" + example,
            "--format", "json",
        ])
        // CPUs that disagree are an error-severity host finding, as `check` reports it.
        #expect(r.status == (example == "mixed-microcode" ? 1 : 0), "\(r.stderr)")
        let v = try CLI.validate(r.stdout, definition: "host")
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
    }

    @Test("the validator rejects a document that breaks the schema (so the test above can fail)")
    func validatorCanFail() throws {
        let v = try CLI.validate(#"{"hostname": "h", "arch_capabilities": {"status": "ok"}}"#, definition: "host")
        #expect(v.status == 1)
        #expect(v.stdout.contains("required property"))
    }

    @Test("text form: one row per bit with host value, J and why")
    func text() throws {
        let r = try CLI.guestcap([
            "host", "--builtin-policy", "--wide", "--host-root", CLI.packageRoot + "/examples/hosts/cascadelake",
        ])
        #expect(r.status == 0)
        #expect(r.stdout.contains("0x00000000000000ab on all 4 CPUs"))
        let taa = r.stdout.split(separator: "\n").first { $0.hasPrefix("8 ") }.map(String.init) ?? ""
        #expect(taa.contains("taa-no") && taa.contains(" no ") && taa.contains("tsx_async_abort: Mitigation"))
        let mds = r.stdout.split(separator: "\n").first { $0.hasPrefix("5 ") }.map(String.init) ?? ""
        #expect(mds.contains("all CPUs") && mds.contains("yes"))
    }

    @Test("disagreeing CPUs are named in the text and JSON")
    func inconsistent() throws {
        let root = CLI.packageRoot + "/examples/hosts/mixed-microcode"
        let text = try CLI.guestcap(["host", "--builtin-policy", "--wide", "--host-root", root])
        #expect(text.stdout.contains("CPUs DISAGREE"))
        #expect(text.stdout.contains("0x000000000000002b on CPU 3"))
        let json = try CLI.guestcap(["host", "--builtin-policy", "--wide", "--host-root", root, "--format", "json"])
        #expect(json.stdout.contains(#""status" : "inconsistent""#))
    }

    @Test("a mistyped or empty --host-root is an error (exit 2) naming what is missing, for host and check")
    func badHostRoot() throws {
        let typo = CLI.packageRoot + "/examples/hosts/cascadelak"
        let host = try CLI.guestcap(["host", "--builtin-policy", "--wide", "--host-root", typo])
        #expect(host.status == 2)
        #expect(host.stderr.contains("the host root \(typo) does not exist"), "\(host.stderr)")
        let empty = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let check = try CLI.guestcap([
            "check", "--builtin-policy", "--host-root", empty,
            CLI.packageRoot + "/examples/guests/web-force-taa.xml",
        ])
        #expect(check.status == 2)
        #expect(
            check.stderr.contains("holds none of the host files") && check.stderr.contains(empty + "/proc/cpuinfo"),
            "\(check.stderr)")
        #expect(!check.stdout.contains("CRITICAL"), "no findings invented from unknown verdicts")
    }

    @Test("host exits 1 when a host finding is an error, as check does (CPUs that disagree)")
    func hostFindingExitStatus() throws {
        let root = CLI.packageRoot + "/examples/hosts/mixed-microcode"
        let host = try CLI.guestcap(["host", "--builtin-policy", "--wide", "--host-root", root])
        let check = try CLI.guestcap([
            "check", "--builtin-policy", "--host-root", root,
            CLI.packageRoot + "/examples/guests/db-passthrough.xml",
        ])
        #expect(check.stdout.contains("ERROR host-msr-inconsistent"))
        #expect(host.status == 1 && check.status == 1)
    }

    @Test("permission denied, proven by running the probe as the unprivileged user nobody")
    func permissionDenied() throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        _ = try CLI.run(
            "python3",
            [
                CLI.packageRoot + "/scripts/make-host-root.py", "--one",
                CLI.packageRoot + "/Tests/GuestCapCLITests/root-only-host.json", dir + "/h",
            ])
        // The stand-in device is 0600 root, as /dev/cpu/N/msr is; everything else is world-readable.
        _ = try CLI.run("chmod", ["-R", "a+rX", dir])
        _ = try CLI.run("chmod", ["0600", dir + "/h/dev/cpu/0/msr"])
        let r = try CLI.run(
            "setpriv",
            [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                CLI.binary, "host", "--builtin-policy", "--wide", "--host-root", dir + "/h",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("permission denied: run as root or grant CAP_SYS_RAWIO"))
        #expect(r.stdout.contains("could not be read"))
        #expect(r.stdout.contains("kernel:mds (Not affected)"), "kernel verdicts still justify bits")
    }

    @Test("on this machine (dev/cpu/N/ without msr) the real host says the module is not loaded")
    func realHost() throws {
        let fm = FileManager.default
        let noModule = fm.fileExists(atPath: "/dev/cpu/0") && !fm.fileExists(atPath: "/dev/cpu/0/msr")
        try #require(noModule, "this test describes hosts whose msr module is not loaded; here /dev/cpu/0/msr exists")
        let r = try CLI.guestcap(["host", "--builtin-policy", "--wide"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("the msr kernel module is not loaded"))
        #expect(r.stdout.contains("modprobe msr"))
        #expect(r.stdout.contains("Justified (J)"))
        let verdicts = try fm.contentsOfDirectory(atPath: "/sys/devices/system/cpu/vulnerabilities")
        let json = try CLI.guestcap(["host", "--builtin-policy", "--wide", "--format", "json"])
        for v in verdicts { #expect(json.stdout.contains("\"\(v)\"")) }
    }

    @Test("a missing snapshot file is a usage-level error naming the file")
    func badSnapshot() throws {
        let r = try CLI.guestcap(["host", "--builtin-policy", "--wide", "--host-snapshot", "/nonexistent/snap.json"])
        #expect(r.status == 2 || r.status == 64 || r.status == 1)
        #expect(r.stderr.contains("/nonexistent/snap.json"))
    }
}
