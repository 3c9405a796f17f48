import Foundation
import GuestCapCore

/// A deterministic fleet: guests whose configurations are edited, waivers that come and go,
/// and a host whose kernel and microcode change; findings computed as the policy engine would
/// shape them (stable ids from subject, rule and bits).
struct Simulation {
    struct Guest {
        var variant = 0
        var waived = false
        var findings: [FindingRecord] = []
    }

    let count: Int
    var epoch = 0
    var guests: [Guest]
    private var rng: SplitMix64
    private let immunity = CapabilitySet.of(.immunity).bitNumbers
    private let reserved = CapabilitySet.of(.reserved).bitNumbers

    init(guests: Int, seed: UInt64) {
        count = guests
        self.guests = Array(repeating: Guest(), count: guests)
        rng = SplitMix64(seed: seed)
        for i in 0..<guests { self.guests[i].variant = Int(rng.next() % 16) }
    }

    func hostSnapshot() -> HostSnapshot {
        let value: UInt64 = 0x0000_0000_0c0a_e0eb ^ UInt64(epoch % 4) << 2
        return HostSnapshot(
            hostname: "kvm-host-01", machineID: "0123456789abcdef0123456789abcdef", kernel: "6.1.0-\(18 + epoch)-amd64",
            cpu: CPUIdentity(
                vendor: "GenuineIntel", family: 6, model: 106, stepping: 6,
                microcode: String(format: "0x%x", 0x0d00_03a5 + epoch), modelName: "Intel Xeon",
                flags: ["arch_capabilities", "rtm"]),
            msr: (0..<4).map { MSRReading(cpu: $0, status: .ok, value: value) },
            vulnerabilities: [
                "mds": "Not affected", "retbleed": epoch % 2 == 0 ? "Not affected" : "Mitigation: Enhanced IBRS",
            ])
    }

    /// Which guests change this hour: edits and waiver changes.
    mutating func events(editRate: Double, waiverRate: Double) -> Set<Int> {
        var changed = Set<Int>()
        for i in 0..<count {
            if rng.unit() < editRate {
                guests[i].variant += 1
                changed.insert(i)
            }
            if rng.unit() < waiverRate {
                guests[i].waived.toggle()
                changed.insert(i)
            }
        }
        return changed
    }

    /// Verdicts of the given guests and the transitions from their previous findings.
    mutating func audit(_ indices: [Int]) -> ([GuestVerdict], [TransitionDraft]) {
        let host = HostAssessment(snapshot: hostSnapshot())
        var verdicts: [GuestVerdict] = []
        var drafts: [TransitionDraft] = []
        for i in indices {
            let verdict = self.verdict(i)
            let records = FindingRecord.records(for: verdict, host: host)
            drafts += AuditDiff.transitions(previous: guests[i].findings, current: records)
            guests[i].findings = records
            verdicts.append(verdict)
        }
        return (verdicts, drafts)
    }

    private func verdict(_ i: Int) -> GuestVerdict {
        let g = guests[i]
        let name = String(format: "vm-%04d", i)
        let uuid = String(format: "%08x-0000-4000-8000-%012x", i, i)
        let path = "/etc/libvirt/qemu/\(name).xml"
        let identity = GuestIdentity(source: .libvirt, uuid: uuid, path: path)
        let subject = identity.description
        let claimed = immunity[g.variant % immunity.count]
        let missed = immunity[(g.variant + epoch) % immunity.count]
        let origin = ConfigOrigin(
            "<feature policy='force' name='\(ArchCapCatalog.bit(claimed).name)'/>", line: 20 + g.variant % 7)
        let value = CapabilitySet(bits: [claimed])
        var findings = [
            Finding(
                subject: subject, rule: .unjustifiedImmunity, severity: .critical, bits: CapabilitySet(bits: [claimed]),
                message: "the guest is told \(ArchCapCatalog.bit(claimed).name) but the host is affected",
                state: g.waived ? .waived : .open, origins: [origin]),
            Finding(
                subject: subject, rule: .missedImmunity, severity: .info, bits: CapabilitySet(bits: [missed]),
                message: "the guest mitigates what it need not"),
        ]
        if g.variant % 3 == 0 {
            findings.append(
                Finding(
                    subject: subject, rule: .hiddenDisclosure, severity: .error,
                    bits: try! CapabilitySet(names: ["rrsba"]), message: "rrsba is not told"))
        }
        if g.variant % 5 == 1 {
            findings.append(
                Finding(
                    subject: subject, rule: .reservedBits, severity: .warning,
                    bits: CapabilitySet(bits: [reserved[g.variant % reserved.count]]),
                    message: "a reserved bit is set"))
        }
        let config = GuestConfig(
            source: .libvirt, path: path, name: name, uuid: uuid,
            cpu: GuestCPUConfig(
                base: .model(name: "Cascadelake-Server"),
                baseOrigin: ConfigOrigin("<model>Cascadelake-Server</model>", line: 18)),
            contentHash: SHA256.hex(of: "\(name) variant \(g.variant)"))
        return GuestVerdict(
            identity: identity, source: .libvirt, path: path, name: name, uuid: uuid,
            status: GuestStatus.of(findings),
            advertised: AdvertisedValue(value: value, visible: true, provenance: [claimed: origin]),
            findings: findings, config: config)
    }
}

/// A small deterministic generator.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
