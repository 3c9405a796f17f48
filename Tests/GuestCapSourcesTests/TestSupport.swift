import Foundation
import GuestCapTestSupport
import GuestCapCore
@testable import GuestCapSources

/// Paths of the checked-in fixtures.
enum Fixture {
    /// `Fixtures/<relative>` inside the test bundle.
    static func path(_ relative: String) -> String {
        let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.path
        return root + "/" + relative
    }

    /// The fixture's bytes.
    static func bytes(_ relative: String) -> [UInt8] {
        Array(FileManager.default.contents(atPath: path(relative))!)
    }
}

/// Hosts built from snapshots, as `guestcap host` would record them.
enum TestHosts {
    /// A Cascade Lake host (raw MSR 0xab) with TSX on but TAA mitigated, GDS fixed by microcode.
    /// kvm_default = rdctl-no, ibrs-all, skip-l1dfl-vmentry, mds-no, pschange-mc-no, tsx-ctrl, gds-no.
    static let cascadeLake = HostAssessment(
        snapshot: HostSnapshot(
            hostname: "kvm-cl-01",
            cpu: CPUIdentity(
                vendor: "GenuineIntel", family: 6, model: 85, stepping: 7,
                flags: ["arch_capabilities", "rtm"]),
            msr: [MSRReading(cpu: 0, status: .ok, value: 0xab), MSRReading(cpu: 1, status: .ok, value: 0xab)],
            vulnerabilities: [
                "meltdown": "Not affected", "mds": "Not affected",
                "spec_store_bypass": "Mitigation: Speculative Store Bypass disabled via prctl",
                "tsx_async_abort": "Mitigation: Clear CPU buffers; SMT vulnerable",
                "gather_data_sampling": "Mitigation: Microcode",
                "indirect_target_selection": "Mitigation: Aligned branch/return thunks",
            ],
            vmentryL1dFlush: "cond"))

    /// A Sapphire Rapids host immune to nearly everything, ITS included (so kvm_default has its-no).
    static let sapphireRapids = HostAssessment(
        snapshot: HostSnapshot(
            hostname: "kvm-spr-01",
            cpu: CPUIdentity(
                vendor: "GenuineIntel", family: 6, model: 143, stepping: 8,
                flags: ["arch_capabilities", "rtm"]),
            msr: [MSRReading(cpu: 0, status: .ok, value: 0x0c08_e1eb)],
            vulnerabilities: [
                "meltdown": "Not affected", "mds": "Not affected", "spec_store_bypass": "Not affected",
                "tsx_async_abort": "Not affected", "gather_data_sampling": "Not affected",
                "reg_file_data_sampling": "Not affected", "indirect_target_selection": "Not affected",
            ],
            vmentryL1dFlush: "never"))

    /// A Skylake host affected by Meltdown and MDS: kvm_default is only pschange-mc-no and skip-l1dfl-vmentry.
    static let skylake = HostAssessment(
        snapshot: HostSnapshot(
            hostname: "kvm-sky-01",
            cpu: CPUIdentity(vendor: "GenuineIntel", family: 6, model: 85, stepping: 4, flags: ["arch_capabilities"]),
            msr: [MSRReading(cpu: 0, status: .ok, value: 0x0)],
            vulnerabilities: ["meltdown": "Mitigation: PTI", "mds": "Mitigation: Clear CPU buffers; SMT vulnerable"],
            vmentryL1dFlush: "cond"))

    /// An AMD EPYC host: no MSR in hardware; Firecracker hides it from guests.
    static let epyc = HostAssessment(
        snapshot: HostSnapshot(
            hostname: "kvm-amd-01",
            cpu: CPUIdentity(vendor: "AuthenticAMD", family: 25, model: 1, flags: []),
            msr: [MSRReading(cpu: 0, status: .absent)],
            vulnerabilities: ["meltdown": "Not affected", "mds": "Not affected"]))
}

/// Shorthand for a set of named bits.
func bits(_ names: String...) -> CapabilitySet {
    try! CapabilitySet(names: names)
}

/// A fresh folder under the system temporary directory, removed by the caller.
func makeTempDirectory(_ label: String = "guestcap") -> String { TemporaryFolder.make(label) }

/// Writes a text file.
func write(_ text: String, to path: String) {
    try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

extension LoadOutcome {
    /// The configuration, when this is a guest.
    var config: GuestConfig? {
        if case .guest(let c) = self { return c }
        return nil
    }

    /// The error text, when this is unreadable.
    var error: String? {
        if case .unreadable(_, _, let e) = self { return e }
        return nil
    }

    /// The reason, when this is skipped.
    var skipReason: String? {
        if case .skipped(_, let r) = self { return r }
        return nil
    }
}
