import Foundation
import GuestCapCore
import GuestCapTestSupport
@testable import GuestCapSources
import Testing

/// policy-model §2: the configuration asks (R), the VMM decides what the guest is told (G).
@Suite("Requested vs told, per VMM")
struct RequestedVsToldTests {
    // MARK: - Helpers

    static func domain(
        type: String = "kvm", arch: String = "x86_64", machine: String = "pc-q35-7.2",
        cpu: String, extra: String = ""
    ) -> [UInt8] {
        let ns = extra.contains("qemu:") ? " xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'" : ""
        return Array(
            """
            <domain type='\(type)'\(ns)>
              <name>probe-me</name>
              <uuid>11111111-2222-3333-4444-555555555555</uuid>
              <os><type arch='\(arch)' machine='\(machine)'>hvm</type></os>
              \(cpu)
              \(extra)
            </domain>
            """.utf8)
    }

    /// A running guest's live status file: the domain inside `<domstatus>`.
    static func liveStatus(type: String = "kvm", cpu: String) -> [UInt8] {
        Array("<domstatus state='running' pid='4242'>\n".utf8) + domain(type: type, cpu: cpu)
            + Array("\n</domstatus>\n".utf8)
    }

    static func libvirt(_ bytes: [UInt8], live: Bool = false) throws -> GuestConfig {
        try LibvirtDomainParser.parse(
            bytes, path: "/etc/libvirt/qemu/probe-me.xml", sourceHint: live ? .libvirtLive : nil)
    }

    static func qemu(_ line: String, pid: Int? = nil) throws -> GuestConfig {
        if let pid {
            let argv = line.split(separator: " ").joined(separator: "\0") + "\0"
            return try QEMUCommandLineParser.parseCmdline(Array(argv.utf8), path: "/proc/\(pid)/cmdline", pid: pid)
        }
        return try QEMUCommandLineParser.parseArgs(Array(line.utf8), path: "/tmp/guest.args")
    }

    static func evaluate(
        _ config: GuestConfig, on host: HostAssessment, policy: Policy = .builtIn,
        bootHost: HostAssessment? = nil
    ) -> GuestVerdict {
        PolicyEngine(policy: policy, now: Date(timeIntervalSince1970: 1_800_000_000))
            .evaluate(
                config, identity: GuestIdentity(source: config.source, path: config.path), bootHost: bootHost,
                current: host)
    }

    static func finding(_ v: GuestVerdict, _ rule: Rule) -> Finding? { v.findings.first { $0.rule == rule } }

    static let cascadeLakeForceTAA = """
        <cpu mode='custom' match='exact' check='partial'>
          <model fallback='forbid'>Cascadelake-Server-v2</model>
          <feature policy='force' name='taa-no'/>
        </cpu>
        """

    // MARK: - QEMU with KVM

    @Test("QEMU/KVM drops a forced bit KVM does not provide: G = R ∩ Q, request-dropped, no false claim")
    func qemuKVMFilters() throws {
        let config = try Self.libvirt(Self.domain(cpu: Self.cascadeLakeForceTAA))
        #expect(config.vmm == .qemuKVM)
        let v = Self.evaluate(config, on: TestHosts.cascadeLake)
        let values = try #require(v.values)
        #expect(values.requested.value == bits("rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no", "taa-no"))
        #expect(values.told.value == bits("rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no"))
        #expect(values.told.visible)
        #expect(values.dropped == bits("taa-no"))
        #expect(v.advertised?.value == values.told.value)
        let dropped = try #require(Self.finding(v, .requestDropped))
        #expect(dropped.severity == .notice)
        #expect(dropped.bits == bits("taa-no"))
        #expect(dropped.message.contains("KVM on this host does not provide"))
        #expect(dropped.origins.map(\.text) == ["<feature policy='force' name='taa-no'/>"])
        #expect(Self.finding(v, .unjustifiedImmunity) == nil)
        #expect(v.status == .compliant)
    }

    @Test("check='full' makes QEMU refuse instead: request-dropped at warning, 'will not start here'")
    func checkFullRefuses() throws {
        let cpu = Self.cascadeLakeForceTAA.replacingOccurrences(of: "check='partial'", with: "check='full'")
        let v = Self.evaluate(try Self.libvirt(Self.domain(cpu: cpu)), on: TestHosts.cascadeLake)
        let dropped = try #require(Self.finding(v, .requestDropped))
        #expect(dropped.severity == .warning)
        #expect(dropped.message.contains("will not start here"))
        #expect(dropped.message.contains("check='full'"))
        #expect(v.values?.refusesToStart == true)
    }

    @Test("QEMU enforce is the command-line form of check='full'")
    func enforceRefuses() throws {
        let v = Self.evaluate(
            try Self.qemu("qemu-system-x86_64 -accel kvm -cpu Cascadelake-Server-v2,+taa-no,enforce"),
            on: TestHosts.cascadeLake)
        #expect(Self.finding(v, .requestDropped)?.severity == .warning)
    }

    @Test("a policy severity for request-dropped wins over the refusal rule")
    func policySeverityWins() throws {
        let policy = Policy(rules: [.requestDropped: RuleSetting(severity: .info)])
        let cpu = Self.cascadeLakeForceTAA.replacingOccurrences(of: "check='partial'", with: "check='full'")
        let v = Self.evaluate(try Self.libvirt(Self.domain(cpu: cpu)), on: TestHosts.cascadeLake, policy: policy)
        #expect(Self.finding(v, .requestDropped)?.severity == .info)
    }

    @Test("Q adds fb-clear when KVM's value has the five MDS/MMIO immunities")
    func qemuAddsFbClear() throws {
        let snapshot = HostSnapshot(
            hostname: "spr", cpu: CPUIdentity(vendor: "GenuineIntel", flags: ["arch_capabilities", "rtm"]),
            msr: [MSRReading(cpu: 0, status: .ok, value: 0x0c08_e1eb)],
            vulnerabilities: ["tsx_async_abort": "Not affected", "mds": "Not affected"])
        let host = HostAssessment(snapshot: snapshot)
        #expect(host.kvmDefault.isSuperset(of: bits("mds-no", "taa-no", "sbdr-ssdp-no", "fbsdp-no", "psdp-no")))
        #expect(!host.kvmDefault.contains(bit: 17))
        #expect(host.qemuPasses == host.kvmDefault.union(bits("fb-clear")))
        let v = Self.evaluate(try Self.qemu("qemu-system-x86_64 -enable-kvm -cpu host,+fb-clear"), on: host)
        #expect(v.values?.told.value.contains(bit: 17) == true)
        #expect(v.values?.dropped.isEmpty == true)
    }

    // MARK: - TCG

    @Test("TCG passes no bit and hides the MSR: G = 0, every visible request dropped")
    func tcgPassesNothing() throws {
        let config = try Self.libvirt(Self.domain(type: "qemu", cpu: Self.cascadeLakeForceTAA))
        #expect(config.vmm == .qemuTCG)
        let v = Self.evaluate(config, on: TestHosts.cascadeLake)
        let values = try #require(v.values)
        #expect(values.told.value.isEmpty)
        #expect(!values.told.visible)
        #expect(values.dropped == values.requested.value)
        #expect(Self.finding(v, .requestDropped)?.message.contains("TCG") == true)
        #expect(Self.finding(v, .msrHidden) != nil)
        #expect(Self.finding(v, .unjustifiedImmunity) == nil)
    }

    @Test("a QEMU command line without KVM acceleration is TCG; -enable-kvm, -accel kvm and accel=kvm are KVM")
    func qemuAccelerators() throws {
        #expect(try Self.qemu("qemu-system-x86_64 -cpu host").vmm == .qemuTCG)
        #expect(try Self.qemu("qemu-system-x86_64 -enable-kvm -cpu host").vmm == .qemuKVM)
        #expect(try Self.qemu("qemu-system-x86_64 -accel kvm -cpu host").vmm == .qemuKVM)
        #expect(try Self.qemu("qemu-system-x86_64 -accel tcg -accel kvm -cpu host").vmm == .qemuTCG)
        #expect(try Self.qemu("qemu-system-x86_64 -machine q35,accel=kvm:tcg -cpu host").vmm == .qemuKVM)
        #expect(try Self.qemu("qemu-system-x86_64 -M pc,accel=tcg -cpu host").vmm == .qemuTCG)
        #expect(try Self.qemu("qemu-kvm -cpu host").vmm == .qemuKVM)
    }

    // MARK: - Firecracker, live, process

    @Test("Firecracker writes the MSR itself: G = R, unbacked bits are claims")
    func firecrackerIsToldWhatItAsks() throws {
        let json = #"{"machine-config": {"vcpu_count": 1, "mem_size_mib": 128, "cpu_template": "T2S"}}"#
        let config = try FirecrackerConfigParser.parse(Array(json.utf8), path: "/tmp/vm.json", readFile: { _ in [] })
        #expect(config.vmm == .firecracker)
        let v = Self.evaluate(config, on: TestHosts.cascadeLake)
        #expect(v.values?.told == v.values?.requested)
        #expect(v.values?.told.value == FirecrackerTemplate.t2sValue)
        #expect(Self.finding(v, .unjustifiedMitigation)?.bits == bits("fb-clear"))
        #expect(Self.finding(v, .requestDropped) == nil)
    }

    @Test("a live status file records what QEMU gave: G = R of the nested <cpu>")
    func liveIsAsRecorded() throws {
        let config = try Self.libvirt(
            Self.liveStatus(
                cpu: """
                    <cpu mode='custom' match='exact' check='full'>
                      <model fallback='forbid'>Cascadelake-Server-v2</model>
                      <feature policy='disable' name='taa-no'/>
                    </cpu>
                    """))
        #expect(config.vmm == .libvirtLive)
        let v = Self.evaluate(config, on: TestHosts.skylake)
        #expect(v.values?.told == v.values?.requested)
        // Told at boot, not backed now: the live guest's claim is judged against the current host.
        #expect(Self.finding(v, .unjustifiedImmunity)?.bits == bits("rdctl-no", "mds-no"))
    }

    @Test("a running QEMU process is its command line against the host it started on")
    func processAgainstBootHost() throws {
        let config = try Self.qemu("/usr/bin/qemu-system-x86_64 -accel kvm -cpu host", pid: 4321)
        #expect(config.vmm == .qemuProcess)
        // Booted on Cascade Lake (mds-no passed), the host changed under it to Skylake (affected).
        let v = Self.evaluate(config, on: TestHosts.skylake, bootHost: TestHosts.cascadeLake)
        #expect(v.values?.told.value == TestHosts.cascadeLake.qemuPasses)
        #expect(Self.finding(v, .unjustifiedImmunity)?.bits.isSuperset(of: bits("rdctl-no", "mds-no")) == true)
        let tcg = Self.evaluate(
            try Self.qemu("/usr/bin/qemu-system-x86_64 -cpu host", pid: 4322), on: TestHosts.cascadeLake)
        #expect(tcg.values?.vmm == .qemuProcess)
        #expect(tcg.values?.told.visible == false)
    }

    // MARK: - Migration both ways

    @Test("migration-unsafe in both directions, one finding per pool host and direction")
    func migrationBothWays() throws {
        let pool = MigrationPool(
            name: "clx-skx",
            members: [
                .init(name: "kvm-sky-01", path: "/pools/sky.json", snapshot: TestHosts.skylake.snapshot)
            ], guests: GuestSelector(all: true, patterns: []))
        let policy = Policy(pools: [pool])
        let config = try Self.libvirt(Self.domain(cpu: "<cpu mode='host-passthrough'/>"))
        // Here on Cascade Lake: told mds-no, which Skylake cannot back (outgoing).
        let out = Self.evaluate(config, on: TestHosts.cascadeLake, policy: policy)
        let outgoing = out.findings.filter { $0.rule == .migrationUnsafe }
        #expect(outgoing.map(\.direction) == [.outgoing])
        #expect(outgoing.first?.bits.isSuperset(of: bits("rdctl-no", "mds-no")) == true)
        // Here on Skylake, pool host Cascade Lake: booted there it is told mds-no, which this host cannot back.
        let pool2 = MigrationPool(
            name: "clx-skx",
            members: [
                .init(name: "kvm-cl-01", path: "/pools/cl.json", snapshot: TestHosts.cascadeLake.snapshot)
            ], guests: GuestSelector(all: true, patterns: []))
        let back = Self.evaluate(config, on: TestHosts.skylake, policy: Policy(pools: [pool2]))
        let incoming = back.findings.filter { $0.rule == .migrationUnsafe }
        #expect(incoming.map(\.direction) == [.incoming])
        #expect(incoming.first?.bits.isSuperset(of: bits("rdctl-no", "mds-no")) == true)
        #expect(incoming.first?.message.contains("booted on kvm-cl-01") == true)
        #expect(incoming.first?.message.contains("computed kvm_default stands in") == true)
        // Outgoing keeps the id a finding had before directions; incoming differs.
        let o = try #require(outgoing.first)
        #expect(
            o.id
                == Finding.id(
                    subject: GuestIdentity(source: config.source, path: config.path).description,
                    rule: .migrationUnsafe, pool: "clx-skx", poolHost: "kvm-sky-01", bits: o.bits))
    }

    // MARK: - J's new sources

    @Test("verdict source: an AMD host 'Not affected' by TAA backs taa-no, and no message contradicts it")
    func verdictSourceOnAMD() throws {
        let host = HostProbe(root: HostRoot(Self.examples + "/amd-epyc")).snapshot()
        let a = HostAssessment(snapshot: host)
        #expect(a.justified.isSuperset(of: bits("taa-no", "sbdr-ssdp-no", "fbsdp-no", "psdp-no", "bhi-no", "pbrsb-no")))
        #expect(a.sources[8] == "kernel:tsx_async_abort")
        #expect(a.sources[13] == "kernel:mmio_stale_data")
        #expect(a.sources[20] == "kernel:spectre_v2")
        // KVM itself drops taa-no on a host without RTM: a QEMU guest asking for it is not told it.
        #expect(!a.kvmDefault.contains(bit: 8))
        let fc = #"{"msr_modifiers": [{"addr": "0x10a", "bitmap": "0b1_0000_0000"}]}"#
        let config = try FirecrackerConfigParser.parse(Array(fc.utf8), path: "/tmp/taa.json", readFile: { _ in [] })
        let v = Self.evaluate(config, on: a)
        for f in v.findings { #expect(!f.message.contains("'Not affected'") || !f.message.contains("is affected")) }
        #expect(Self.finding(v, .unjustifiedImmunity) == nil)
    }

    @Test("verdict source on Emerald Rapids without the msr module: the MMIO immunities are justified")
    func verdictSourceEmeraldRapids() throws {
        let a = HostAssessment(snapshot: HostProbe(root: HostRoot(Self.examples + "/emeraldrapids")).snapshot())
        #expect(a.msrStatus == .unreadable)
        #expect(a.justified.isSuperset(of: bits("sbdr-ssdp-no", "fbsdp-no", "psdp-no", "taa-no")))
        #expect(!a.justified.contains(bit: 24), "spectre_v2 says PBRSB-eIBRS: SW sequence")
    }

    @Test("kvm-reported source and kvm-default-differs when the MSR cannot be read")
    func kvmReportedSource() throws {
        var snapshot = HostProbe(root: HostRoot(Self.examples + "/emeraldrapids")).snapshot()
        snapshot.kvmReported = 0x4000_0000_0c08_e0eb
        let a = HostAssessment(snapshot: snapshot)
        #expect(a.justified.isSuperset(of: CapabilitySet(rawValue: 0x4000_0000_0c08_e0eb)))
        #expect(a.sources[1] == "kvm-reported")
        #expect(a.sources[7] == "kvm-reported")
        #expect(a.kvmDefault == CapabilitySet(rawValue: 0x4000_0000_0c08_e0eb))
        let findings = PolicyEngine(now: Date()).hostFindings(a)
        let differs = try #require(findings.first { $0.rule == .kvmDefaultDiffers })
        #expect(differs.severity == .notice)
        #expect(differs.message.contains("0x400000000c08e0eb"))
        // A QEMU/KVM host-passthrough guest is told KVM's value.
        let v = Self.evaluate(try Self.qemu("qemu-system-x86_64 -enable-kvm -cpu host"), on: a)
        #expect(v.values?.told.value.isSuperset(of: CapabilitySet(rawValue: 0x4000_0000_0c08_e0eb)) == true)
        #expect(v.status == .compliant)
    }

    static var examples: String { PackageFiles.path("examples/hosts") }

    // MARK: - Scope and forms

    @Test("non-x86 guests are skipped with the reason", arguments: ["aarch64", "ppc64le", "s390x"])
    func nonX86Libvirt(arch: String) throws {
        #expect {
            _ = try Self.libvirt(Self.domain(arch: arch, cpu: "<cpu mode='host-passthrough'/>"))
        } throws: { error in
            (error as? GuestConfigError)?.kind == .otherKind
                && (error as? GuestConfigError)?.reason.contains("not an x86 guest") == true
        }
    }

    @Test("qemu-system-aarch64 and an aarch64 Firecracker template are skipped, not judged as x86")
    func nonX86Others() throws {
        #expect { _ = try Self.qemu("qemu-system-aarch64 -cpu host") } throws: {
            ($0 as? GuestConfigError)?.reason.contains("not an x86 guest") == true
        }
        let arm =
            #"{"kvm_capabilities": ["!170"], "reg_modifiers": [{"addr": "0x603000000013c020", "bitmap": "0bxxxxxxxxxxxx0000xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]}"#
        #expect {
            _ = try FirecrackerConfigParser.parse(Array(arm.utf8), path: "/tmp/arm.json", readFile: { _ in [] })
        } throws: {
            ($0 as? GuestConfigError)?.kind == .otherKind
        }
        let armFeatures = #"{"vcpu_features": [{"index": 0, "bitmap": "0b1100000"}]}"#
        #expect {
            _ = try FirecrackerConfigParser.parse(
                Array(armFeatures.utf8), path: "/tmp/arm2.json", readFile: { _ in [] })
        } throws: {
            ($0 as? GuestConfigError)?.kind == .otherKind
        }
    }

    @Test("a -cpu in <qemu:commandline> replaces <cpu>: QEMU uses the last -cpu")
    func qemuCommandLineCPU() throws {
        let extra = """
            <qemu:commandline>
              <qemu:arg value='-cpu'/>
              <qemu:arg value='host,+taa-no'/>
            </qemu:commandline>
            """
        let config = try Self.libvirt(Self.domain(cpu: "<cpu><model>qemu64</model></cpu>", extra: extra))
        guard case .kvmDefault = config.cpu.base else {
            Issue.record("expected -cpu host")
            return
        }
        #expect(config.cpu.operations.count == 1)
        #expect(config.cpu.baseOrigin.text == "<qemu:arg value='host,+taa-no'/>")
    }

    @Test("a TCG guest's live file keeps host modes, but the guest reads nothing: G = 0")
    func liveTCGHidesTheMSR() throws {
        let v = Self.evaluate(
            try Self.libvirt(Self.liveStatus(type: "qemu", cpu: "<cpu mode='maximum' check='none'/>")),
            on: TestHosts.cascadeLake)
        #expect(v.values?.vmm == .libvirtLive)
        #expect(v.values?.told.visible == false)
        #expect(v.values?.told.value.isEmpty == true)
    }

    @Test("where KVM does not offer CPUID.7.0:EDX[29], no KVM guest reads the MSR")
    func kvmWithoutTheCPUIDBit() throws {
        var snapshot = TestHosts.cascadeLake.snapshot
        snapshot.kvmOffersArchCapabilities = false
        let host = HostAssessment(snapshot: snapshot)
        let config = try Self.libvirt(Self.domain(cpu: Self.cascadeLakeForceTAA))
        let v = Self.evaluate(config, on: host)
        #expect(v.values?.told.visible == false)
        #expect(v.values?.dropped == v.values?.requested.value)
        #expect(Self.finding(v, .requestDropped)?.message.contains("CPUID.7.0:EDX[29]") == true)
        #expect(Self.evaluate(config, on: TestHosts.cascadeLake).values?.told.visible == true)
        // A snapshot keeps the fact for pool members and --host-snapshot.
        let doc = HostDocument(host)
        #expect(doc.kvm.archCapabilitiesCPUID == false)
        #expect(doc.snapshot.kvmOffersArchCapabilities == false)
    }

    @Test("microvm gives an unversioned model its latest version; pc and q35 give v1")
    func microvmLatest() throws {
        let pc = try Self.qemu("qemu-system-x86_64 -accel kvm -machine q35 -cpu Cascadelake-Server")
        let micro = try Self.qemu("qemu-system-x86_64 -accel kvm -M microvm -cpu Cascadelake-Server")
        #expect(Self.evaluate(pc, on: TestHosts.cascadeLake).values?.requested.value.isEmpty == true)
        #expect(
            Self.evaluate(micro, on: TestHosts.cascadeLake).values?.requested.value
                .isSuperset(of: bits("rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no")) == true)
    }

    @Test("<cpu match='minimum'> is the host's value, not its bare model")
    func matchMinimum() throws {
        let config = try Self.libvirt(Self.domain(cpu: "<cpu match='minimum'><model>qemu64</model></cpu>"))
        let v = Self.evaluate(config, on: TestHosts.cascadeLake)
        #expect(v.values?.requested.value == TestHosts.cascadeLake.kvmDefault)
        #expect(v.values?.requested.visible == true)
    }

    @Test("missed-immunity lists only what the VMM could pass")
    func missedLimitedToQ() throws {
        // Cascade Lake's J has gds-no by microcode; a TCG guest cannot be told anything, so no missed-immunity.
        let tcg = Self.evaluate(
            try Self.libvirt(Self.domain(type: "qemu", cpu: "<cpu mode='host-passthrough'/>")),
            on: TestHosts.cascadeLake)
        #expect(Self.finding(tcg, .missedImmunity) == nil)
        let kvm = Self.evaluate(
            try Self.libvirt(Self.domain(cpu: "<cpu><model>Cascadelake-Server-v2</model></cpu>")),
            on: TestHosts.cascadeLake)
        let missed = try #require(Self.finding(kvm, .missedImmunity))
        #expect(missed.bits.isSubset(of: TestHosts.cascadeLake.qemuPasses))
    }
}
