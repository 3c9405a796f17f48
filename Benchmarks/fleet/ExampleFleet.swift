import Foundation
import GuestCapCore
import GuestCapSources

/// A synthetic fleet built from the example hosts (`examples/hosts/`) and a handful of guest
/// configurations that cover every rule, evaluated by the real policy engine.
struct ExampleFleet {
    struct Kind {
        let name: String
        let prefix: String
        let snapshot: HostSnapshot
    }
    struct Template {
        let label: String
        let source: GuestSource
        let cpu: GuestCPUConfig

        /// Where a guest of this kind keeps its configuration on a stock host.
        func path(for name: String) -> String {
            switch source {
            case .libvirt: "/etc/libvirt/qemu/\(name).xml"
            case .libvirtLive: "/run/libvirt/qemu/\(name).xml"
            case .qemu: "/var/lib/guestcap/qemu/\(name).args"
            case .firecracker: "/srv/firecracker/\(name).json"
            }
        }
    }

    let kinds: [Kind]
    let policy: Policy
    let engine: PolicyEngine
    let period: ReportDocument.Period
    /// Evaluated once per (host kind, template): the guests of a host are copies with their own name and UUID.
    private var cache: [String: GuestVerdict] = [:]

    static let templates: [Template] = {
        func op(_ step: CPUOperation.Step, _ text: String, _ line: Int) -> CPUOperation {
            CPUOperation(step, origin: ConfigOrigin(text, line: line))
        }
        func bits(_ names: String...) -> CapabilitySet { try! CapabilitySet(names: names) }
        let visible = op(.visible(true), "<feature policy='require' name='arch-capabilities'/>", 14)
        return [
            Template(
                label: "host-model", source: .libvirt,
                cpu: GuestCPUConfig(
                    base: .kvmDefault(label: "host-model"),
                    baseOrigin: ConfigOrigin("<cpu mode='host-model'/>", line: 12))),
            Template(
                label: "host-passthrough", source: .libvirtLive,
                cpu: GuestCPUConfig(
                    base: .kvmDefault(label: "host-passthrough"),
                    baseOrigin: ConfigOrigin("<cpu mode='host-passthrough'/>", line: 12))),
            // A running guest's live status: told taa-no (on a persistent file QEMU/KVM would drop it).
            Template(
                label: "cascadelake+taa-no", source: .libvirtLive,
                cpu: GuestCPUConfig(
                    base: .model(name: "Cascadelake-Server"),
                    baseOrigin: ConfigOrigin("<model>Cascadelake-Server</model>", line: 13),
                    operations: [visible, op(.set(bits("taa-no")), "<feature policy='force' name='taa-no'/>", 15)])),
            // A running guest booted with -cpu host,+fb-clear where QEMU passed it: its live file says so.
            Template(
                label: "host,+fb-clear (running)", source: .libvirtLive,
                cpu: GuestCPUConfig(
                    base: .kvmDefault(label: "host-passthrough"),
                    baseOrigin: ConfigOrigin("<cpu mode='host-passthrough'/>", line: 12),
                    operations: [op(.set(bits("fb-clear")), "<feature policy='require' name='fb-clear'/>", 13)])),
            Template(
                label: "default cpu", source: .libvirt,
                cpu: GuestCPUConfig(base: .qemuDefault, baseOrigin: ConfigOrigin("(no <cpu>)"))),
            Template(
                label: "icelake", source: .libvirt,
                cpu: GuestCPUConfig(
                    base: .model(name: "Icelake-Server"),
                    baseOrigin: ConfigOrigin("<model>Icelake-Server</model>", line: 13),
                    operations: [visible])),
            Template(
                label: "host-model+sbdr-ssdp-no", source: .libvirt,
                cpu: GuestCPUConfig(
                    base: .kvmDefault(label: "host-model"),
                    baseOrigin: ConfigOrigin("<cpu mode='host-model'/>", line: 12),
                    operations: [op(.set(bits("sbdr-ssdp-no")), "<feature policy='force' name='sbdr-ssdp-no'/>", 15)])),
            Template(
                label: "firecracker T2S", source: .firecracker,
                cpu: GuestCPUConfig(
                    base: .fixed(value: CapabilitySet(rawValue: 0x0800_20eb), label: "T2S"),
                    baseOrigin: ConfigOrigin("\"cpu_template\": \"T2S\"", line: 4))),
        ]
    }()

    /// Loads the example hosts and builds a policy with two migration pools and one waiver.
    init(examples: String, period: ReportDocument.Period) {
        let names: [(String, String)] = [
            ("cascadelake", "clx"), ("graniterapids", "gnr"),
            ("skylake-oldmicrocode", "skx"), ("mixed-microcode", "mix"),
        ]
        kinds = names.map {
            Kind(name: $0.0, prefix: $0.1, snapshot: HostProbe(root: HostRoot(examples + "/" + $0.0)).snapshot())
        }
        let member = { (k: Kind) in
            MigrationPool.Member(
                name: k.snapshot.hostname, path: "/etc/guestcap/pools/\(k.name).json", snapshot: k.snapshot)
        }
        let pools = [
            MigrationPool(name: "clx-gnr", members: [member(kinds[0]), member(kinds[1])], guests: .everyGuest),
            MigrationPool(
                name: "legacy", members: [member(kinds[2])],
                guests: GuestSelector(patterns: [try! Glob("*-l*")])),
        ]
        let waiver = Waiver(
            guests: GuestSelector(patterns: [try! Glob("*-w*")]), rule: .unjustifiedImmunity,
            reason: "CHG-4411: SBDR exposure accepted until the December maintenance",
            expires: Date(timeIntervalSince1970: 1_806_451_200), expiresText: "2027-03-31")
        policy = Policy(
            pools: pools, waivers: [waiver], path: "/etc/guestcap/policy.toml",
            sha256: SHA256.hex(of: "example fleet policy"))
        engine = PolicyEngine(policy: policy, now: period.to)
        self.period = period
    }

    /// One host's export: `guests` guests, the `g`-th of the fleet starting at `firstGuest`.
    /// Every 100th guest also runs on the previous host (a migration), with the same UUID.
    mutating func report(host index: Int, guests count: Int, firstGuest: Int) -> ReportDocument {
        let kind = kinds[index % kinds.count]
        var snapshot = kind.snapshot
        snapshot.hostname = String(format: "%@-%05d", kind.prefix, index)
        snapshot.machineID = String(format: "%08x%024x", 0x6c3e_0000 + index % kinds.count, index)
        snapshot.since = period.from.addingTimeInterval(-86400 * 30)
        let host = engine.assess(snapshot)
        var guests: [GuestDocument] = []
        guests.reserveCapacity(count)
        for j in 0..<count {
            var g = firstGuest + j
            // Every 50th guest (the last one on small hosts) is also on the previous host: migrated.
            if index > 0 && (j % 50 == 49 || (count < 50 && j == count - 1)) { g = firstGuest - count + j - 1 }
            let suffix = g % 50 == 0 ? "-w" : (g % 17 == 0 ? "-l" : "")
            let t = Self.templates[suffix == "-w" ? 2 : (g * 7 + g / 13) % Self.templates.count]
            let name = String(format: "vm-%07d%@", g, suffix)
            let uuid = t.source == .firecracker ? nil : String(format: "6e0c0000-0000-4000-8000-%012x", g)
            guests.append(guest(name: name, uuid: uuid, template: t, kind: kind, host: host, seed: g))
        }
        let hostFindings = engine.hostFindings(host).map(FindingDocument.init)
        return ReportDocument(
            generatedAt: period.to, period: period,
            policy: .init(path: policy.path, sha256: policy.sha256), host: HostDocument(host),
            guests: guests, hostFindings: hostFindings, hostSnapshots: [HostDocument(host)])
    }

    private mutating func guest(
        name: String, uuid: String?, template t: Template, kind: Kind, host: HostAssessment,
        seed: Int
    ) -> GuestDocument {
        let path = t.path(for: name)
        let config = GuestConfig(source: t.source, path: path, name: name, uuid: uuid, cpu: t.cpu)
        let identity = GuestIdentity(source: t.source, uuid: uuid, path: path)
        // The rules depend on the name only through pool and waiver globs: cache by those.
        let key = "\(kind.name)/\(t.label)/\(name.hasSuffix("-w"))/\(name.hasSuffix("-l"))"
        let verdict = cache[key] ?? engine.evaluate(config, identity: identity, current: host)
        cache[key] = verdict
        var doc = GuestDocument(verdict)
        doc.name = name
        doc.uuid = uuid
        doc.path = path
        let span = period.to.timeIntervalSince(period.from)
        doc.findings = doc.findings.enumerated().map { i, f in
            var f = f
            f.id = String(SHA256.hex(of: "\(identity)/\(f.rule)/\(f.poolHost ?? "")/\(f.bits)").prefix(32))
            let opened = period.from.addingTimeInterval(-Double((seed * 7919 + i) % 200_000))
            f.firstSeen = opened
            f.lastSeen = period.to
            // A few findings were fixed during the period.
            if seed % 23 == 0 && i == 0 && f.severity.isViolation {
                f.state = .resolved
                f.resolvedAt = period.from.addingTimeInterval(span * Double(seed % 97 + 1) / 100)
                f.lastSeen = f.resolvedAt
            }
            return f
        }
        return doc
    }
}
