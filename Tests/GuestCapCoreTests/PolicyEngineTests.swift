import Foundation
import Testing
@testable import GuestCapCore

/// A guest with a base and features, as a libvirt live file gives it: G is what the CPU says
/// (rules judge G; how a VMM turns R into G is tested in GuestCapSourcesTests).
func guest(
    _ base: CPUBase, _ ops: [(CPUOperation.Step, String)] = [], source: GuestSource = .libvirtLive,
    name: String = "web1", uuid: String? = "11111111-2222-3333-4444-555555555555"
) -> GuestConfig {
    GuestConfig(
        source: source, path: "/run/libvirt/qemu/\(name).xml", name: name, uuid: uuid,
        cpu: GuestCPUConfig(
            base: base, baseOrigin: ConfigOrigin("<cpu>", line: 10),
            operations: ops.enumerated().map { i, op in
                CPUOperation(op.0, origin: ConfigOrigin(op.1, line: 11 + i))
            }))
}

/// Cascade Lake example: 0xab, TAA and MMIO affected, mds not affected.
let cascadeLake = snapshot(
    msr: [0xab],
    vulnerabilities: [
        "mds": "Not affected", "meltdown": "Not affected", "gather_data_sampling": "Mitigation: Microcode",
        "tsx_async_abort": "Mitigation: Clear CPU buffers; SMT vulnerable", "reg_file_data_sampling": "Not affected",
        "spec_store_bypass": "Mitigation: Speculative Store Bypass disabled via prctl",
    ], l1d: "not required")

/// Skylake with old microcode: no MSR, MDS affected.
let skylake = snapshot(
    msr: [nil],
    vulnerabilities: [
        "mds": "Mitigation: Clear CPU buffers; SMT vulnerable", "meltdown": "Mitigation: PTI",
        "tsx_async_abort": "Mitigation: Clear CPU buffers; SMT vulnerable",
    ], flags: ["rtm"], l1d: "cond")

func evaluate(_ g: GuestConfig, on s: HostSnapshot, policy: Policy = .builtIn, now: Date = Date()) -> GuestVerdict {
    let e = PolicyEngine(policy: policy, now: now)
    return e.evaluate(g, identity: GuestIdentity(source: g.source, uuid: g.uuid, path: g.path), current: e.assess(s))
}

func finding(_ v: GuestVerdict, _ rule: Rule) -> Finding? { v.findings.first { $0.rule == rule } }

@Suite("Rules of policy-model §3")
struct PolicyEngineTests {
    @Test("force mds-no on a host whose mds verdict is not 'Not affected' → unjustified-immunity [mds-no], critical")
    func unjustifiedImmunity() throws {
        let v = evaluate(
            guest(
                .model(name: "Skylake-Server"),
                [
                    (.set(bits("mds-no")), "<feature policy='force' name='mds-no'/>"),
                    (.visible(true), "<feature policy='require' name='arch-capabilities'/>"),
                ]), on: skylake)
        let f = try #require(finding(v, .unjustifiedImmunity))
        #expect(f.bits.names == ["mds-no"] && f.severity == .critical)
        #expect(f.origins == [ConfigOrigin("<feature policy='force' name='mds-no'/>", line: 11)])
        #expect(f.message.contains("mds: 'Mitigation: Clear CPU buffers; SMT vulnerable'"))
        #expect(v.status == .violating)
    }

    @Test("Cascadelake-Server-v2 on a host without ibrs-all → unjustified-mitigation [ibrs-all]")
    func unjustifiedMitigation() throws {
        let v = evaluate(guest(.model(name: "Cascadelake-Server-v2")), on: skylake)
        #expect(finding(v, .unjustifiedMitigation)?.bits.names == ["ibrs-all"])
        #expect(finding(v, .unjustifiedImmunity)?.bits.names == ["rdctl-no", "mds-no"])
        #expect(finding(v, .unjustifiedMitigation)?.origins.first?.text == "model Cascadelake-Server-v2")
    }

    @Test("host-passthrough is compliant: G = kvm_default ⊆ J")
    func passthroughCompliant() {
        let v = evaluate(guest(.kvmDefault(label: "host-passthrough")), on: cascadeLake)
        #expect(v.status == .compliant)
        #expect(v.findings.allSatisfy { !$0.severity.isViolation })
    }

    @Test("no <cpu> → msr-hidden listing the immunity bits J has")
    func msrHidden() throws {
        let v = evaluate(guest(.qemuDefault), on: cascadeLake)
        let f = try #require(finding(v, .msrHidden))
        #expect(f.severity == .info)
        #expect(f.bits.names == ["rdctl-no", "mds-no", "pschange-mc-no", "gds-no", "rfds-no"])
        #expect(v.status == .compliant)
        #expect(v.findings.count == 1, "no other rule runs on an invisible guest")
    }

    @Test("hidden-disclosure when the host reports rsba and the guest is not told")
    func hiddenDisclosure() {
        let host = snapshot(msr: [bits("rsba", "rdctl-no").rawValue])
        let v = evaluate(guest(.model(name: "Cascadelake-Server-v2")), on: host)
        #expect(finding(v, .hiddenDisclosure)?.bits.names == ["rsba"])
        #expect(finding(v, .hiddenDisclosure)?.severity == .error)
    }

    @Test("unsupported-control: any control bit except tsx-ctrl when the host has it")
    func unsupportedControl() {
        let t2s = guest(
            .fixed(value: CapabilitySet(rawValue: 0x0c0a_0c4c), label: "Firecracker template T2S"), source: .firecracker
        )
        let v = evaluate(t2s, on: cascadeLake)
        #expect(finding(v, .unsupportedControl)?.bits.names == ["misc-package-ctrls", "energy-filtering-ctl"])
        let tsx = evaluate(guest(.kvmDefault(label: "host-passthrough")), on: cascadeLake)
        #expect(finding(tsx, .unsupportedControl) == nil, "tsx-ctrl is in the host's hardware")
        let noTSX = evaluate(
            guest(.model(name: "Cascadelake-Server-v2"), [(.set(bits("tsx-ctrl")), "+tsx-ctrl")]), on: skylake)
        #expect(finding(noTSX, .unsupportedControl)?.bits.names == ["tsx-ctrl"])
    }

    @Test("reserved-bits for bits nobody defined")
    func reserved() {
        let v = evaluate(
            guest(
                .kvmDefault(label: "Firecracker custom template"),
                [(.set(CapabilitySet(bits: [29, 63])), "bitmap")], source: .firecracker), on: cascadeLake)
        #expect(finding(v, .reservedBits)?.bits.names == ["bit29", "bit63"])
    }

    @Test("unknown-model: notice, G from explicit features only")
    func unknownModel() {
        let v = evaluate(guest(.model(name: "Zen9-Server")), on: cascadeLake)
        #expect(finding(v, .unknownModel)?.severity == .notice)
        #expect(finding(v, .unknownModel)?.message.contains("Zen9-Server") == true)
        #expect(v.advertised?.value == .empty)
    }

    @Test("missed-immunity for a visible guest not told what J backs")
    func missedImmunity() {
        let v = evaluate(guest(.model(name: "Cascadelake-Server-v2")), on: cascadeLake)
        #expect(finding(v, .missedImmunity)?.bits.names == ["pschange-mc-no", "gds-no", "rfds-no"])
        #expect(v.status == .compliant)
    }

    @Test("migration-unsafe names the pool host that cannot back the claim")
    func migrationUnsafe() {
        let pool = MigrationPool(
            name: "clx-skx",
            members: [
                .init(name: "kvm-clx-01", path: "/p/clx.json", snapshot: cascadeLake),
                .init(name: "kvm-skx-07", path: "/p/skx.json", snapshot: skylake),
            ], guests: .everyGuest)
        let v = evaluate(guest(.kvmDefault(label: "host-passthrough")), on: cascadeLake, policy: Policy(pools: [pool]))
        let unsafe = v.findings.filter { $0.rule == .migrationUnsafe }
        #expect(unsafe.map(\.poolHost) == ["kvm-skx-07"])
        #expect(unsafe.first?.bits.names == ["rdctl-no", "ibrs-all", "mds-no", "gds-no", "rfds-no"])
        #expect(unsafe.first?.pool == "clx-skx")
    }

    @Test("optional features follow kvm_default; disable clears; the last operation wins")
    func featureOrder() {
        let v = evaluate(
            guest(
                .model(name: "Cascadelake-Server-v2"),
                [
                    (.setIfKVMDefault(bits("taa-no", "gds-no")), "optional"),
                    (.clear(bits("mds-no")), "disable"),
                    (.set(bits("mds-no")), "force"),
                ]), on: cascadeLake)
        #expect(v.advertised?.value.isSuperset(of: bits("gds-no", "mds-no")) == true)
        #expect(v.advertised?.value.contains(bit: 8) == false)
    }

    @Test("a running guest keeps the value it got at boot and is judged against the current J")
    func runningGuest() {
        let immune = snapshot(msr: [0], vulnerabilities: ["mds": "Not affected"])
        let vulnerable = snapshot(msr: [0], vulnerabilities: ["mds": "Vulnerable"])
        let e = PolicyEngine(now: Date())
        let g = guest(.kvmDefault(label: "host-passthrough"), source: .libvirtLive)
        let v = e.evaluate(
            g, identity: GuestIdentity(source: .libvirtLive, uuid: g.uuid, path: g.path),
            bootHost: e.assess(immune), current: e.assess(vulnerable))
        #expect(finding(v, .unjustifiedImmunity)?.bits.names == ["mds-no"])
    }

    @Test("disabled rules and severity overrides change the verdict")
    func overrides() {
        let g = guest(.model(name: "Cascadelake-Server-v2"))
        let strict = Policy(rules: [.missedImmunity: RuleSetting(severity: .error)])
        #expect(evaluate(g, on: cascadeLake, policy: strict).status == .violating)
        let off = Policy(rules: [
            .unjustifiedMitigation: RuleSetting(enabled: false, severity: .critical),
            .unjustifiedImmunity: RuleSetting(enabled: false, severity: .critical),
        ])
        #expect(evaluate(g, on: skylake, policy: off).status == .compliant)
    }

    @Test("finding ids are stable and change with the bits")
    func ids() {
        let a = evaluate(guest(.model(name: "Cascadelake-Server-v2")), on: skylake)
        let b = evaluate(guest(.model(name: "Cascadelake-Server-v2")), on: skylake)
        #expect(a.findings.map(\.id) == b.findings.map(\.id))
        let c = evaluate(
            guest(.model(name: "Cascadelake-Server-v2"), [(.clear(bits("mds-no")), "disable")]), on: skylake)
        #expect(finding(a, .unjustifiedImmunity)?.id != finding(c, .unjustifiedImmunity)?.id)
    }
}

@Suite("Waivers")
struct WaiverTests {
    let day: TimeInterval = 86400
    func waiver(bits: CapabilitySet?, expires: Date) -> Waiver {
        Waiver(
            guests: GuestSelector(patterns: [try! Glob("web*")]), rule: .unjustifiedImmunity, bits: bits,
            reason: "vendor appliance", expires: expires, expiresText: "2027-01-01")
    }

    @Test("a waiver naming some bits splits the finding: waived part and open rest")
    func split() {
        let now = Date()
        let p = Policy(waivers: [waiver(bits: bits("mds-no"), expires: now + day)])
        let v = evaluate(guest(.model(name: "Cascadelake-Server-v2")), on: skylake, policy: p, now: now)
        let imm = v.findings.filter { $0.rule == .unjustifiedImmunity }
        #expect(imm.first { $0.state == .waived }?.bits.names == ["mds-no"])
        #expect(imm.first { $0.state == .open }?.bits.names == ["rdctl-no"])
        #expect(v.status == .violating, "ibrs-all and rdctl-no are still open")
    }

    @Test("an expired waiver no longer applies; the same finding id turns open")
    func expiry() {
        let now = Date()
        let p = Policy(waivers: [waiver(bits: nil, expires: now + day)])
        let g = guest(
            .model(name: "Skylake-Server"), [(.set(bits("mds-no")), "force"), (.visible(true), "arch-capabilities")])
        let before = evaluate(g, on: skylake, policy: p, now: now)
        let after = evaluate(g, on: skylake, policy: p, now: now + 2 * day)
        #expect(before.status == .waived)
        #expect(after.status == .violating)
        #expect(finding(before, .unjustifiedImmunity)?.id == finding(after, .unjustifiedImmunity)?.id)
    }

    @Test("a waiver for other guests does not apply")
    func otherGuest() {
        let p = Policy(waivers: [waiver(bits: nil, expires: Date() + day)])
        let g = guest(
            .model(name: "Skylake-Server"), [(.set(bits("mds-no")), "force"), (.visible(true), "arch")], name: "db1")
        #expect(evaluate(g, on: skylake, policy: p).status == .violating)
    }
}

@Suite("Audit diff: findings are state, not events")
struct AuditDiffTests {
    func record(_ id: String, _ state: FindingState) -> FindingRecord {
        FindingRecord(
            findingID: id, subject: "s", rule: .unjustifiedImmunity, severity: .critical,
            bits: bits("mds-no"), state: state, message: "m")
    }

    @Test("opened, resolved, waived, waiver-expired, and nothing for unchanged")
    func transitions() {
        let t = AuditDiff.transitions(
            previous: [record("a", .open), record("b", .open), record("c", .waived), record("d", .open)],
            current: [
                record("a", .open), record("c", .open), record("d", .waived), record("e", .open), record("f", .waived),
            ])
        let kinds = Dictionary(uniqueKeysWithValues: t.map { ($0.finding.findingID, $0.kind) })
        #expect(kinds == ["b": .resolved, "c": .waiverExpired, "d": .waived, "e": .opened, "f": .waived])
        #expect(AuditDiff.transitions(previous: [record("a", .open)], current: [record("a", .open)]).isEmpty)
    }

    @Test("two files of one source claiming one UUID are identified by path")
    func duplicateUUID() {
        let a = guest(.qemuDefault, source: .libvirt, name: "a")
        let b = guest(.qemuDefault, source: .libvirt, name: "b")
        let c = guest(.qemuDefault, source: .libvirtLive, name: "a")
        let ids = GuestInput.identities([.config(a), .config(b), .config(c)])
        #expect(ids.map(\.byUUID) == [false, false, true])
    }
}

@Suite("Glob patterns")
struct GlobTests {
    @Test(
        "*, ?, classes and ranges",
        arguments: [
            ("web-*", "web-01", true), ("web-*", "db-01", false), ("db?", "db1", true), ("db?", "db12", false),
            ("[a-c]x", "bx", true), ("[!a-c]x", "bx", false), ("*", "", true), ("8f0c*", "8f0c1234", true),
        ])
    func matching(pattern: String, text: String, expected: Bool) throws {
        #expect(try Glob(pattern).matches(text) == expected)
    }

    @Test("an unclosed class is refused with a reason")
    func bad() {
        #expect(throws: GlobError.self) { try Glob("web[") }
    }
}
