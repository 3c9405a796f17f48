import Foundation
import GuestCapTestSupport
@testable import GuestCapCore
@testable import GuestCapReport

/// Hand-built hosts, guests and reports, evaluated by the real policy engine.
enum Fixtures {
    static func date(_ s: String) -> Date { ReportCoding.parseDate(s)! }
    static let period = try! ExportPeriod(from: date("2026-11-24T00:00:00Z"), to: date("2026-11-25T00:00:00Z"))

    static func bits(_ names: String...) -> CapabilitySet { try! CapabilitySet(names: names) }

    /// Cascade Lake: 0xab on 4 CPUs; TAA and MMIO stale data affected, MDS not.
    static let cascadeLake = HostSnapshot(
        hostname: "kvm-clx-01", machineID: "c1a5cade000000000000000000000001", kernel: "6.1.0-28-amd64",
        cpu: CPUIdentity(
            vendor: "GenuineIntel", family: 6, model: 85, stepping: 7, microcode: "0x5003707",
            modelName: "Intel(R) Xeon(R) Platinum 9242 CPU @ 2.30GHz", flags: ["arch_capabilities", "rtm"]),
        msr: (0..<4).map { MSRReading(cpu: $0, status: .ok, value: 0xab) },
        vulnerabilities: [
            "mds": "Not affected", "meltdown": "Not affected", "gather_data_sampling": "Mitigation: Microcode",
            "tsx_async_abort": "Mitigation: Clear CPU buffers; SMT vulnerable",
            "mmio_stale_data": "Mitigation: Clear CPU buffers; SMT vulnerable",
            "reg_file_data_sampling": "Not affected",
        ],
        vmentryL1dFlush: "not required", since: date("2026-11-01T00:00:00Z"))

    /// Skylake without the MSR: a pool member that backs almost nothing.
    static let skylake = HostSnapshot(
        hostname: "kvm-skx-07", cpu: CPUIdentity(vendor: "GenuineIntel", family: 6, model: 85, flags: ["rtm"]),
        msr: (0..<2).map { MSRReading(cpu: $0, status: .absent, error: "not implemented") },
        vulnerabilities: ["mds": "Mitigation: Clear CPU buffers; SMT vulnerable", "meltdown": "Mitigation: PTI"])

    static func config(
        _ name: String, _ base: CPUBase, _ ops: [(CPUOperation.Step, String)] = [],
        source: GuestSource = .libvirt, uuid: String? = nil
    ) -> GuestConfig {
        let path =
            switch source {
            case .libvirtLive: "/run/libvirt/qemu/\(name).xml"
            case .firecracker: "/etc/firecracker/\(name).json"
            case .libvirt, .qemu: "/etc/libvirt/qemu/\(name).xml"
            }
        return GuestConfig(
            source: source, path: path, name: name, uuid: uuid,
            cpu: GuestCPUConfig(
                base: base, baseOrigin: ConfigOrigin("<cpu>", line: 10),
                operations: ops.enumerated().map { i, op in
                    CPUOperation(op.0, origin: ConfigOrigin(op.1, line: 11 + i))
                }))
    }

    static let policy: Policy = {
        let waiver = Waiver(
            guests: GuestSelector(patterns: [try! Glob("waived-*")]), rule: .unjustifiedImmunity,
            reason: "CHG-4411, accepted until the December window", expires: date("2027-04-01T00:00:00Z"),
            expiresText: "2027-03-31")
        let pool = MigrationPool(
            name: "maintenance", members: [.init(name: "kvm-skx-07", path: "/p/skx.json", snapshot: skylake)],
            guests: GuestSelector(patterns: [try! Glob("web-*")]))
        return Policy(
            pools: [pool], waivers: [waiver], path: "/etc/guestcap/policy.toml", sha256: SHA256.hex(of: "policy"))
    }()

    /// Six guests: violating (migration; it also asks for a bit QEMU/KVM drops, so R and G differ),
    /// violating (immunity), violating (mitigation), hidden MSR, waived, unreadable. The guests told
    /// an unbacked bit are ones whose VMM passes it (policy-model §2): running guests whose libvirt
    /// live status records it, and a Firecracker guest whose template writes it.
    static func verdicts(now: Date = period.to) -> (HostAssessment, [GuestVerdict], PolicyEngine) {
        let engine = PolicyEngine(policy: policy, now: now)
        let host = engine.assess(cascadeLake)
        let visible: (CPUOperation.Step, String) = (
            .visible(true), "<feature policy='require' name='arch-capabilities'/>"
        )
        let configs = [
            config(
                "web-01", .kvmDefault(label: "host-model"),
                [(.set(bits("taa-no")), "<feature policy='force' name='taa-no'/>")],
                uuid: "0a000000-0000-4000-8000-000000000001"),
            config(
                "db-02", .model(name: "Cascadelake-Server"),
                [visible, (.set(bits("taa-no")), "<feature policy='force' name='taa-no'/>")],
                source: .libvirtLive, uuid: "0a000000-0000-4000-8000-000000000002"),
            config(
                "ci, \"nightly\" 03", .kvmDefault(label: "cpu_template: none"),
                [(.set(bits("fb-clear")), "msr_modifiers 0x10a bit 17 = 1")], source: .firecracker),
            config("=legacy-04", .qemuDefault, uuid: "0a000000-0000-4000-8000-000000000004"),
            config(
                "waived-05", .kvmDefault(label: "host-model"),
                [(.set(bits("taa-no")), "<feature policy='force' name='taa-no'/>")],
                source: .libvirtLive, uuid: "0a000000-0000-4000-8000-000000000005"),
        ]
        var out = configs.map { c in
            engine.evaluate(c, identity: GuestIdentity(source: c.source, uuid: c.uuid, path: c.path), current: host)
        }
        out.append(
            engine.unreadable(
                source: .libvirt, path: "/etc/libvirt/qemu/broken-06.xml",
                error: "line 3: unclosed <domain>"))
        return (host, out, engine)
    }

    /// A check-style report of the six guests, with lifecycle dates as an export would have.
    static func report() -> ReportDocument {
        let (host, verdicts, engine) = self.verdicts()
        var guests = verdicts.map(GuestDocument.init)
        for gi in guests.indices {
            for fi in guests[gi].findings.indices {
                guests[gi].findings[fi].firstSeen = date("2026-11-24T03:00:00Z").addingTimeInterval(Double(gi * 600))
                guests[gi].findings[fi].lastSeen = period.to
            }
        }
        // db-02 had an extra finding fixed during the period.
        var fixed = guests[1].findings[0]
        fixed.id = "f1xed"
        fixed.rule = Rule.unsupportedControl.rawValue
        fixed.severity = .warning
        fixed.bits = ["mcu-control"]
        fixed.state = .resolved
        fixed.resolvedAt = date("2026-11-24T15:30:00Z")
        guests[1].findings.append(fixed)
        return ReportDocument(
            generatedAt: period.to, period: period.document,
            policy: .init(path: policy.path, sha256: policy.sha256), host: HostDocument(host),
            guests: guests, hostFindings: engine.hostFindings(host).map(FindingDocument.init),
            hostSnapshots: [HostDocument(host)])
    }

    static var packageRoot: String { PackageFiles.root }

    /// Runs a program; nil when it is not installed.
    static func run(
        _ program: String, _ args: [String], stdin: Data? = nil
    ) throws -> (status: Int32, out: String, err: String)? {
        // python3 through PATH, as scripts/ensure-deps.sh installs jsonschema for that one (see CLI.swift).
        let path =
            program == "python3"
            ? nil
            : ["/usr/bin/", "/usr/local/bin/", "/bin/"].map { $0 + program }
                .first { FileManager.default.isExecutableFile(atPath: $0) } ?? (program.hasPrefix("/") ? program : nil)
        let r: ProcessOutput
        if let path {
            r = try Subprocess.run(path, args, stdin: stdin)
        } else {
            // Not in the usual places (e.g. a pyenv python3): let env find it on PATH.
            guard program == "python3" else { return nil }
            r = try Subprocess.run("/usr/bin/env", [program] + args, stdin: stdin)
        }
        return (r.status, r.stdout, r.stderr)
    }

    /// Validates a report with scripts/validate-json.py (Python jsonschema, JSON Schema 2020-12).
    static func validate(_ report: ReportDocument) throws -> (status: Int32, out: String, err: String) {
        var data = Data()
        let append = { (piece: [UInt8]) in data.append(contentsOf: piece) }
        try withoutActuallyEscaping(append) { try ReportJSON.write(report, to: $0) }
        return try run("python3", [packageRoot + "/scripts/validate-json.py", "-"], stdin: data)!
    }

    static func tempDir() -> String { TemporaryFolder.make("guestcap-export") }
}
