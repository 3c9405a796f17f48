import Foundation
import Testing

/// Ground truth: guestcap's G for a libvirt guest against what its CPU says. For each CPU
/// configuration a real guest is defined and started through the real libvirtd (so libvirt
/// writes its live file), then `guestcap check` gives G for the persistent and the live file
/// and `guestcap probe` boots a probe kernel with the same <cpu> and reads CPUID.7.0:EDX[29]
/// and MSR 0x10a inside it. scripts/test.sh starts libvirtd and sets GUESTCAP_E2E_LIBVIRT=1.
@Suite(
    "probe: guestcap's G against what a real guest's CPU reads",
    .enabled(
        if: ProcessInfo.processInfo.environment["GUESTCAP_E2E_LIBVIRT"] == "1",
        "needs a running libvirtd: run scripts/test.sh (not --quick)"),
    .serialized)
struct ProbeGroundTruthTests {
    /// One CPU configuration: the <cpu> element (empty: none).
    struct Config: CustomTestStringConvertible, Sendable {
        let label: String
        let cpu: String
        var testDescription: String { label }
    }

    static let configs: [Config] = [
        Config(label: "no <cpu>", cpu: ""),
        Config(
            label: "Skylake-Client, a model without arch-capabilities",
            cpu: "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Skylake-Client</model></cpu>"),
        Config(
            label: "Cascadelake-Server, whose model has arch-capabilities",
            cpu:
                "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Cascadelake-Server</model></cpu>"
        ),
        Config(
            label: "Cascadelake-Server, arch-capabilities required",
            cpu:
                "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Cascadelake-Server</model><feature policy='require' name='arch-capabilities'/></cpu>"
        ),
        Config(
            label: "Cascadelake-Server, mds-no and taa-no forced",
            cpu:
                "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Cascadelake-Server</model><feature policy='require' name='arch-capabilities'/><feature policy='force' name='mds-no'/><feature policy='force' name='taa-no'/></cpu>"
        ),
        Config(
            label: "Icelake-Server, arch-capabilities disabled",
            cpu:
                "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Icelake-Server</model><feature policy='disable' name='arch-capabilities'/></cpu>"
        ),
        Config(
            label: "qemu64, arch-capabilities forced",
            cpu:
                "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model><feature policy='force' name='arch-capabilities'/></cpu>"
        ),
        Config(
            label: "Skylake-Client, arch-capabilities and rdctl-no optional",
            cpu:
                "<cpu mode='custom' match='exact' check='none'><model fallback='allow'>Skylake-Client</model><feature policy='optional' name='arch-capabilities'/><feature policy='optional' name='rdctl-no'/></cpu>"
        ),
        Config(
            label: "EPYC, arch-capabilities forbidden",
            cpu:
                "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>EPYC</model><feature policy='forbid' name='arch-capabilities'/></cpu>"
        ),
        Config(label: "host-model", cpu: "<cpu mode='host-model' check='none'/>"),
        Config(label: "maximum", cpu: "<cpu mode='maximum' check='none'/>"),
        Config(
            label: "check='full', qemu64 without the bit (with what TCG adds to it)",
            cpu:
                "<cpu mode='custom' match='exact' check='full'><model fallback='forbid'>qemu64</model><feature policy='require' name='hypervisor'/><feature policy='require' name='lahf_lm'/></cpu>"
        ),
        Config(
            label: "check='full', plain qemu64",
            cpu: "<cpu mode='custom' match='exact' check='full'><model fallback='forbid'>qemu64</model></cpu>"),
        Config(
            label: "check='full', Cascadelake-Server with arch-capabilities required",
            cpu:
                "<cpu mode='custom' match='exact' check='full'><model fallback='forbid'>Cascadelake-Server</model><feature policy='require' name='arch-capabilities'/></cpu>"
        ),
    ]

    /// The configurations tried as type='kvm' too, where this host's KVM lets QEMU start them.
    static let kvmConfigs: [Config] = [
        configs[0], configs[1], configs[3], configs[4], configs[9],
        Config(label: "host-passthrough", cpu: "<cpu mode='host-passthrough' check='none'/>"),
    ]

    @Test("type='qemu' (TCG): G of the persistent and the live file equals what the probe read", arguments: configs)
    func tcg(_ config: Config) async throws {
        try await groundTruth(config, type: "qemu")
    }

    @Test("type='kvm': G of the persistent and the live file equals what the probe read", arguments: kvmConfigs)
    func kvm(_ config: Config) async throws {
        guard FileManager.default.fileExists(atPath: "/dev/kvm") else {
            try Test.cancel("this machine has no /dev/kvm: type='kvm' guests cannot start here")
        }
        try await groundTruth(config, type: "kvm")
    }

    /// Defines and starts a real guest, then compares `check`'s G with `probe`'s reading for both files.
    func groundTruth(_ config: Config, type: String) async throws {
        let name = "gcprobe14-" + UUID().uuidString.prefix(8).lowercased()
        let snippet = CLI.tempDir() + "/cpu.xml"
        try config.cpu.write(toFile: snippet, atomically: true, encoding: .utf8)
        let env = ["LIBVIRT_DOMAIN_TYPE": type]
        defer { _ = try? CLI.run(ProbeSupport.domainScript, ["cleanup", name]) }
        let define = try await CLI.run(ProbeSupport.domainScript, ["define", name, snippet], environment: env)
        try #require(define.status == 0, "virsh define: \(define.stderr)")
        let persistent = "/etc/libvirt/qemu/\(name).xml"
        let live = "/run/libvirt/qemu/\(name).xml"

        let start = try await CLI.run(ProbeSupport.domainScript, ["start", name], environment: env)
        if start.status != 0 {
            // libvirt (or QEMU under it) will not run this CPU here: the probe must say so, quoting it.
            let probe = try await ProbeSupport.probe([persistent])
            #expect(probe.status == 2, "probe: \(probe.stdout) \(probe.stderr)")
            let entry = try #require(ProbeSupport.guests(probe.stdout).first)
            #expect(entry["result"] as? String == "could-not-probe")
            let error = entry["error"] as? String ?? ""
            // libvirt's last line is its reason (QEMU's own for an assertion or a missing feature).
            let reason = String(start.stderr.split(whereSeparator: \.isNewline).last ?? "").suffix(40)
            #expect(
                error.contains("refused to start") && error.contains(reason), "the refusal quotes '\(reason)': \(error)"
            )
            print("ground truth [\(type)] \(config.label): does not start here; probe: \(error)")
            if type == "kvm" { try Test.cancel("this host's KVM does not start it: \(error)") }
            return
        }

        let check = try await CLI.guestcap(["check", "--format", "json", persistent, live])
        let checkGuests = try ProbeSupport.guests(check.stdout)
        let probe = try await ProbeSupport.probe([persistent, live])
        let probeGuests = try ProbeSupport.guests(probe.stdout)
        try #require(probeGuests.count == 2, "probe: \(probe.stdout) \(probe.stderr)")
        for (file, source) in [(persistent, "libvirt"), (live, "libvirt-live")] {
            let g = try #require(
                checkGuests.first { $0["source"] as? String == source }?["arch_capabilities"] as? [String: Any],
                "check has no G for \(file): \(check.stdout)")
            let entry = try #require(probeGuests.first { $0["source"] as? String == source })
            let read = try #require(entry["probe"] as? [String: Any], "\(file) not probed: \(entry["error"] ?? "")")
            // probe's G is check's G.
            let told = entry["guestcap"] as? [String: Any]
            #expect(
                told?["visible"] as? Bool == g["visible"] as? Bool && told?["value"] as? String == g["value"] as? String
            )
            // And the CPU agrees with it: visibility, and the value when the guest can read it.
            let gVisible = g["visible"] as? Bool
            let readVisible = read["visible"] as? Bool
            #expect(
                gVisible == readVisible,
                "\(config.label), \(source): guestcap says visible=\(gVisible ?? false), the probe read visible=\(readVisible ?? false)"
            )
            if gVisible == true && readVisible == true {
                #expect(
                    g["value"] as? String == read["value"] as? String,
                    "\(config.label), \(source): G \(g["value"] ?? "") but the probe read \(read["value"] ?? "")")
            }
            print(
                "ground truth [\(type)] \(config.label), \(source): G \(g["value"] ?? "") visible=\(gVisible ?? false); probe read \(read["value"] ?? "") visible=\(readVisible ?? false)"
            )
        }
        #expect(probe.status == (probeGuests.allSatisfy { $0["result"] as? String == "agree" } ? 0 : 1))
    }

    @Test("a G that the CPU contradicts (a model table gone wrong, simulated) gives DIFFER and exit 1")
    func disagreement() async throws {
        let name = "gcprobe14-" + UUID().uuidString.prefix(8).lowercased()
        let snippet = CLI.tempDir() + "/cpu.xml"
        try "<cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Skylake-Client</model></cpu>"
            .write(toFile: snippet, atomically: true, encoding: .utf8)
        let file = CLI.tempDir() + "/\(name).xml"
        try await CLI.run(ProbeSupport.domainScript, ["xml", name, snippet]).stdout.write(
            toFile: file, atomically: true, encoding: .utf8)
        let honest = try await ProbeSupport.probe([file])
        #expect(honest.status == 0, "without the pretence G and the CPU agree: \(honest.stdout) \(honest.stderr)")
        let wrong = try await ProbeSupport.probe([file], environment: ["GUESTCAP_TEST_PRETEND_BITS": "0x20"])
        #expect(wrong.status == 1, "\(wrong.stdout) \(wrong.stderr)")
        let entry = try #require(ProbeSupport.guests(wrong.stdout).first)
        #expect(entry["result"] as? String == "differ")
        #expect((entry["difference"] as? String)?.contains("CPUID hides it") == true)
        let text = try await ProbeSupport.probe(
            [file], format: "text", environment: ["GUESTCAP_TEST_PRETEND_BITS": "0x20"])
        #expect(text.status == 1)
        #expect(text.stdout.contains("DIFFER") && text.stdout.contains("they differ:"), "\(text.stdout)")
        #expect(
            try await CLI.run("virsh", ["-q", "-c", "qemu:///system", "list", "--all", "--name"]).stdout
                .split(separator: "\n").allSatisfy { !$0.hasPrefix("guestcap-probe-") }, "no probe domain is left")
    }

    @Test("SIGTERM while the probe guest runs: the transient domain and its folder are gone")
    func cleanupOnSignal() async throws {
        let dir = CLI.tempDir()
        // A kernel that never prints: the probe waits, so the signal arrives while the guest runs.
        let silent = dir + "/silent.elf"
        let original = try Data(contentsOf: URL(fileURLWithPath: ProbeSupport.kernel))
        var bytes = [UInt8](original)
        let marker = Array("guestcap-probe ".utf8)
        let at = try #require(
            (0...(bytes.count - marker.count)).first { Array(bytes[$0..<$0 + marker.count]) == marker })
        bytes[at] = UInt8(ascii: "x")
        try Data(bytes).write(to: URL(fileURLWithPath: silent))
        let file = dir + "/g.xml"
        try await CLI.run(ProbeSupport.domainScript, ["xml", "gcprobe14-sig", "none"]).stdout.write(
            toFile: file, atomically: true, encoding: .utf8)

        func probeDomains() async throws -> Set<String> {
            Set(
                try await CLI.run("virsh", ["-q", "-c", "qemu:///system", "list", "--name"]).stdout
                    .split(separator: "\n").map(String.init).filter { $0.hasPrefix("guestcap-probe-") })
        }
        func probeFolders() -> Set<String> {
            let tmp = FileManager.default.temporaryDirectory.path
            return Set(
                ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter {
                    $0.hasPrefix("guestcap-probe-")
                })
        }
        let before = try await probeDomains()
        let foldersBefore = probeFolders()
        let log = dir + "/probe.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["probe", "--kernel", silent, "--timeout", "120", file]
        p.standardOutput = FileHandle(forWritingAtPath: log)
        p.standardError = p.standardOutput
        try p.run()
        var running: Set<String> = []
        for _ in 0..<300 where running.isEmpty {
            try await Task.sleep(for: .milliseconds(100))
            running = try await probeDomains().subtracting(before)
        }
        try #require(!running.isEmpty, "the probe guest never appeared")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        #expect(
            p.terminationStatus == 128 + SIGTERM,
            "\(String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self))")
        let after = try await CLI.run("virsh", ["-q", "-c", "qemu:///system", "list", "--all", "--name"]).stdout
        for name in running { #expect(!after.contains(name), "\(name) is still there") }
        #expect(probeFolders().subtracting(foldersBefore).isEmpty, "the probe's temporary folder is still there")
    }
}
