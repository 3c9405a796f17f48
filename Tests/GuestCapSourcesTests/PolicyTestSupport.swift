import Foundation
import GuestCapTestSupport
import GuestCapCore
@testable import GuestCapSources

/// Hosts, guests and files for the policy tests, kept in one namespace.
enum PolicyTestSupport {
    /// A Sapphire Rapids host, immune to nearly everything (raw MSR 0x0c08e1eb, every verdict `Not affected`).
    static let sapphireRapids = HostSnapshot(
        hostname: "kvm-spr-01", kernel: "6.12.0",
        cpu: CPUIdentity(
            vendor: "GenuineIntel", family: 6, model: 143, stepping: 8, microcode: "0x2b000620",
            modelName: "Intel(R) Xeon(R) Platinum 8480+", flags: ["arch_capabilities", "rtm"]),
        msr: [
            MSRReading(cpu: 0, status: .ok, value: 0x0c08_e1eb), MSRReading(cpu: 1, status: .ok, value: 0x0c08_e1eb),
        ],
        vulnerabilities: [
            "meltdown": "Not affected", "mds": "Not affected", "spec_store_bypass": "Not affected",
            "tsx_async_abort": "Not affected", "gather_data_sampling": "Not affected",
            "reg_file_data_sampling": "Not affected", "indirect_target_selection": "Not affected",
            "mmio_stale_data": "Not affected",
        ],
        vmentryL1dFlush: "never")

    /// A Cascade Lake host (raw MSR 0xab: mds-no from the hardware) that is affected by TSX Async Abort.
    static let cascadeLake = HostSnapshot(
        hostname: "kvm-cl-01", kernel: "6.12.0",
        cpu: CPUIdentity(
            vendor: "GenuineIntel", family: 6, model: 85, stepping: 7, microcode: "0x5003707",
            modelName: "Intel(R) Xeon(R) Gold 6248", flags: ["arch_capabilities", "rtm"]),
        msr: [MSRReading(cpu: 0, status: .ok, value: 0xab), MSRReading(cpu: 1, status: .ok, value: 0xab)],
        vulnerabilities: [
            "meltdown": "Not affected", "mds": "Not affected",
            "spec_store_bypass": "Mitigation: Speculative Store Bypass disabled via prctl",
            "tsx_async_abort": "Mitigation: Clear CPU buffers; SMT vulnerable",
            "mmio_stale_data": "Mitigation: Clear CPU buffers; SMT vulnerable",
            "gather_data_sampling": "Mitigation: Microcode", "reg_file_data_sampling": "Not affected",
            "indirect_target_selection": "Mitigation: Aligned branch/return thunks",
        ],
        vmentryL1dFlush: "cond")

    /// A Skylake host affected by Meltdown and MDS (MSR 0): the vulnerable end of a pool.
    static let skylake = HostSnapshot(
        hostname: "kvm-sky-01", kernel: "6.12.0",
        cpu: CPUIdentity(
            vendor: "GenuineIntel", family: 6, model: 85, stepping: 4, microcode: "0x2007006",
            modelName: "Intel(R) Xeon(R) Gold 6148", flags: ["arch_capabilities"]),
        msr: [MSRReading(cpu: 0, status: .ok, value: 0), MSRReading(cpu: 1, status: .ok, value: 0)],
        vulnerabilities: [
            "meltdown": "Mitigation: PTI", "mds": "Mitigation: Clear CPU buffers; SMT vulnerable",
            "spec_store_bypass": "Mitigation: Speculative Store Bypass disabled via prctl",
            "tsx_async_abort": "Not affected",
        ],
        vmentryL1dFlush: "cond")

    /// What `guestcap host --format json` writes for a snapshot.
    static func json(_ snapshot: HostSnapshot) -> Data {
        try! ReportCoding.encoder().encode(HostDocument(HostAssessment(snapshot: snapshot)))
    }

    /// A fresh folder under the system temporary directory.
    static func temporaryDirectory() -> String { TemporaryFolder.make("guestcap-policy") }

    /// A temporary folder holding `kvm-spr-01.json`, `kvm-cl-01.json` and `kvm-sky-01.json`.
    static func snapshotDirectory() -> String {
        let dir = temporaryDirectory()
        for s in [sapphireRapids, cascadeLake, skylake] {
            try! json(s).write(to: URL(fileURLWithPath: dir + "/\(s.hostname).json"))
        }
        return dir
    }

    /// Writes text to a file.
    static func write(_ text: String, to path: String) {
        try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Loads policy text as `DIR/policy.toml`, returning the policy or the error.
    static func load(_ text: String, in directory: String? = nil) -> Result<Policy, PolicyError> {
        let dir = directory ?? temporaryDirectory()
        do throws(PolicyError) {
            return .success(try PolicyLoader().load(text: text, path: dir + "/policy.toml"))
        } catch {
            return .failure(error)
        }
    }

    /// The problems of policy text that must not load, printed relative to the file name.
    static func problems(_ text: String, in directory: String? = nil) -> [String] {
        switch load(text, in: directory) {
        case .success: return []
        case .failure(let e):
            return e.problems.map { p in
                PolicyProblem(
                    file: (p.file as NSString).lastPathComponent, line: p.line, key: p.key,
                    message: p.message
                ).description
            }
        }
    }

    /// A guest with a custom CPU model and forced features, as libvirt's live file records what
    /// the guest was given (G = its CPU), so rules see the features.
    static func guest(
        _ name: String, model: String = "Cascadelake-Server-v2", force: [String] = [],
        disable: [String] = [], uuid: String? = nil
    ) -> GuestConfig {
        let forced = force.map { bit in
            (CPUOperation.Step.set(try! CapabilitySet(names: [bit])), "<feature policy='force' name='\(bit)'/>")
        }
        let disabled = disable.map { bit in
            (CPUOperation.Step.clear(try! CapabilitySet(names: [bit])), "<feature policy='disable' name='\(bit)'/>")
        }
        let operations = (forced + disabled).enumerated().map { i, op in
            CPUOperation(op.0, origin: ConfigOrigin(op.1, line: 4 + i))
        }
        return GuestConfig(
            source: .libvirtLive, path: "/run/libvirt/qemu/\(name).xml", name: name, uuid: uuid,
            cpu: GuestCPUConfig(
                base: .model(name: model), baseOrigin: ConfigOrigin("<model>", line: 3),
                operations: operations))
    }

    /// A libvirt guest with `<cpu mode='host-passthrough'/>`.
    static func passthroughGuest(_ name: String) -> GuestConfig {
        GuestConfig(
            source: .libvirt, path: "/etc/libvirt/qemu/\(name).xml", name: name,
            cpu: GuestCPUConfig(
                base: .kvmDefault(label: "host-passthrough"),
                baseOrigin: ConfigOrigin("<cpu mode='host-passthrough'/>", line: 3)))
    }

    /// Evaluates a guest on a host under a policy at a moment.
    static func verdict(_ config: GuestConfig, on host: HostSnapshot, policy: Policy, now: Date) -> GuestVerdict {
        let engine = PolicyEngine(policy: policy, now: now)
        return engine.evaluate(
            config, identity: GuestIdentity(source: config.source, uuid: config.uuid, path: config.path),
            current: engine.assess(host))
    }

    /// `2027-03-31T12:00:00Z`-style instants.
    static func date(_ text: String) -> Date { ReportCoding.parseDate(text)! }

    /// The package's root folder (for the shipped policy and the docs).
    static let packageRoot = PackageFiles.root

    /// `Fixtures/policy/<name>` in the test bundle.
    static func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path + "/policy/" + name
    }
}

extension Result {
    /// The success value, or nil.
    var policyValue: Success? { try? get() }
}
