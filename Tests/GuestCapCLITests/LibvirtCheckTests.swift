import Foundation
import Testing

/// End to end with a real libvirtd + QEMU (TCG): guestcap reads the files libvirt itself wrote.
/// scripts/test.sh installs and starts libvirtd and sets GUESTCAP_E2E_LIBVIRT=1; `--quick` leaves it out.
@Suite(
    "check on files written by a real libvirtd",
    .enabled(
        if: ProcessInfo.processInfo.environment["GUESTCAP_E2E_LIBVIRT"] == "1",
        "needs a running libvirtd: run scripts/test.sh (not --quick)"),
    .serialized)
struct LibvirtCheckTests {
    let script = CLI.packageRoot + "/scripts/libvirt-domain.sh"

    /// Defines and starts a guest, checks its persistent and live files with `--format json`, and
    /// returns (persistent guest, live guest).
    func definedAndStarted(
        type: String, cpu: String, hostRoot: String?
    ) async throws -> (p: [String: Any], l: [String: Any]) {
        let name = "gce2e-" + UUID().uuidString.prefix(8).lowercased()
        let snippet = CLI.tempDir() + "/cpu.xml"
        try cpu.write(toFile: snippet, atomically: true, encoding: .utf8)
        let env = ["LIBVIRT_DOMAIN_TYPE": type]
        defer { _ = try? CLI.run(script, ["cleanup", name]) }
        let define = try await CLI.run(script, ["define", name, snippet], environment: env)
        try #require(define.status == 0, "virsh define: \(define.stderr)")
        let start = try await CLI.run(script, ["start", name], environment: env)
        try #require(start.status == 0, "virsh start: \(start.stderr)")
        let persistent = "/etc/libvirt/qemu/\(name).xml"
        let live = "/run/libvirt/qemu/\(name).xml"
        let hostArgs = hostRoot.map { ["--host-root", $0] } ?? []
        let r = try await CLI.guestcap(
            ["check", "--builtin-policy", "--wide"] + hostArgs + ["--format", "json", persistent, live])
        #expect(r.status != 2, "\(r.stderr)")
        let v = try CLI.validate(r.stdout)
        #expect(v.status == 0, "\(v.stdout)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let guests = try #require(doc["guests"] as? [[String: Any]])
        let p = try #require(guests.first { $0["source"] as? String == "libvirt" })
        let l = try #require(guests.first { $0["source"] as? String == "libvirt-live" })
        #expect(p["name"] as? String == name && l["name"] as? String == name)
        return (p, l)
    }

    static let forcedMDS = """
        <cpu mode='custom' match='exact' check='none'>
          <model fallback='forbid'>Cascadelake-Server</model>
          <feature policy='require' name='arch-capabilities'/>
          <feature policy='force' name='mds-no'/>
        </cpu>
        """

    @Test("TCG: the persistent config asks for mds-no; G for it equals what QEMU gave (the live file): nothing")
    func persistentVersusLiveTCG() async throws {
        let (p, l) = try await definedAndStarted(
            type: "qemu", cpu: Self.forcedMDS,
            hostRoot: CLI.packageRoot + "/examples/hosts/skylake-oldmicrocode")
        let pg = try #require(p["arch_capabilities"] as? [String: Any])
        let lg = try #require(l["arch_capabilities"] as? [String: Any])
        // What real QEMU did, as libvirt recorded it in the live file: no MSR for the guest.
        #expect(lg["visible"] as? Bool == false)
        #expect((lg["bits"] as? [String])?.contains("mds-no") == false)
        // guestcap's G for the persistent file agrees with it.
        #expect(pg["value"] as? String == lg["value"] as? String)
        #expect(pg["visible"] as? Bool == lg["visible"] as? Bool)
        #expect(pg["vmm"] as? String == "qemu-tcg")
        let requested = try #require(pg["requested"] as? [String: Any])
        #expect((requested["bits"] as? [String])?.contains("mds-no") == true)
        #expect(requested["visible"] as? Bool == true)
        #expect((pg["dropped"] as? [String])?.contains("mds-no") == true)
        let pf = p["findings"] as? [[String: Any]] ?? []
        #expect(!pf.contains { $0["rule"] as? String == "unjustified-immunity" })
        let dropped = pf.first { $0["rule"] as? String == "request-dropped" }
        #expect((dropped?["origins"] as? [String])?.contains { $0.contains("name='mds-no'") } == true)
        #expect(p["status"] as? String == "compliant")
        #expect(l["status"] as? String == "compliant")
    }

    @Test(
        "KVM: G for the persistent file equals what QEMU with this host's KVM gave (the live file)",
        .enabled(
            if: KVMGuests.canStartWithArchCapabilities,
            "needs a /dev/kvm whose KVM starts a guest with arch-capabilities (a nested PVM backend clears CPUID.7.0:EDX[29] and refuses the MSR); runs on a real KVM host"
        ))
    func persistentVersusLiveKVM() async throws {
        let cpu = """
            <cpu mode='custom' match='exact' check='none'>
              <model fallback='allow'>Cascadelake-Server-v2</model>
              <feature policy='force' name='mds-no'/>
              <feature policy='force' name='taa-no'/>
              <feature policy='force' name='gds-no'/>
            </cpu>
            """
        let (p, l) = try await definedAndStarted(type: "kvm", cpu: cpu, hostRoot: nil)
        let pg = try #require(p["arch_capabilities"] as? [String: Any])
        let lg = try #require(l["arch_capabilities"] as? [String: Any])
        #expect(pg["vmm"] as? String == "qemu-kvm")
        #expect(pg["bits"] as? [String] == lg["bits"] as? [String])
        #expect(pg["visible"] as? Bool == lg["visible"] as? Bool)
    }

    @Test("a folder of libvirt's files: every defined domain is one guest, nothing else is listed")
    func folderScan() async throws {
        let name = "gce2e-" + UUID().uuidString.prefix(8).lowercased()
        let snippet = CLI.tempDir() + "/cpu.xml"
        try "<cpu mode='custom'><model>Skylake-Client</model></cpu>".write(
            toFile: snippet, atomically: true, encoding: .utf8)
        defer { _ = try? CLI.run(script, ["cleanup", name]) }
        try #require(try await CLI.run(script, ["define", name, snippet]).status == 0)
        let r = try await CLI.guestcap([
            "check", "--builtin-policy", "--wide", "--host-root", CLI.packageRoot + "/examples/hosts/cascadelake",
            "--format", "json", "/etc/libvirt/qemu",
        ])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let guests = try #require(doc["guests"] as? [[String: Any]])
        let mine = guests.filter { $0["name"] as? String == name }
        #expect(mine.count == 1)
        #expect(mine.first?["status"] as? String == "compliant")
        #expect(guests.allSatisfy { ($0["path"] as? String)?.hasPrefix("/etc/libvirt/qemu/") == true })
    }
}

/// Whether QEMU with this machine's KVM starts a vCPU that has arch-capabilities: KVM must keep
/// CPUID.7.0:EDX[29] and accept the MSR (a nested PVM backend does neither).
enum KVMGuests {
    static let canStartWithArchCapabilities: Bool = {
        guard FileManager.default.isReadableFile(atPath: "/dev/kvm") else { return false }
        // -S stops before the guest runs, after the vCPU and its MSRs are set: a refusal exits at once.
        guard
            let r = try? CLI.run(
                "/usr/bin/timeout",
                [
                    "3", "qemu-system-x86_64", "-accel", "kvm", "-cpu",
                    "host,arch-capabilities=on", "-machine", "pc", "-m", "16",
                    "-nodefaults", "-display", "none", "-S",
                ])
        else { return false }
        return r.status == 124
    }()
}
