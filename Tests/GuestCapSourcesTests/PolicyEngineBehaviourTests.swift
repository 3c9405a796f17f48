import Foundation
import GuestCapCore
import Testing
@testable import GuestCapSources

private typealias S = PolicyTestSupport

/// The engine's behaviour under policies read from files: what each option does to findings.
@Suite("Policy file: effect on findings")
struct PolicyEngineBehaviourTests {
    let now = S.date("2026-11-25T12:00:00Z")

    func policy(_ text: String, in dir: String? = nil) throws -> Policy {
        try PolicyLoader().load(text: text, path: (dir ?? S.temporaryDirectory()) + "/policy.toml")
    }

    @Test("a severity override turns a compliant guest into a violating one")
    func severityOverride() throws {
        // Cascadelake-Server-v2 + mds-no (+ rrsba, which the host discloses) on Sapphire Rapids:
        // every claim is backed, but the guest is not told taa-no and others the host backs
        // (missed-immunity, info by default).
        let guest = S.guest("web1", force: ["mds-no", "rrsba"])
        let before = S.verdict(guest, on: S.sapphireRapids, policy: try policy(""), now: now)
        #expect(before.status == .compliant)
        #expect(before.findings.map(\.rule) == [.missedImmunity])
        #expect(before.findings[0].severity == .info)

        let strict = try policy("[rules.missed-immunity]\nseverity = \"error\"\n")
        let after = S.verdict(guest, on: S.sapphireRapids, policy: strict, now: now)
        #expect(after.status == .violating)
        #expect(after.findings.map(\.severity) == [.error])
        #expect(after.findings[0].id == before.findings[0].id, "severity is not part of a finding's identity")

        let quiet = try policy("[rules.missed-immunity]\nenabled = false\n")
        #expect(S.verdict(guest, on: S.sapphireRapids, policy: quiet, now: now).findings.isEmpty)
    }

    @Test("a waiver naming some bits hides exactly those bits and nothing else")
    func waiverHidesExactlyItsBits() throws {
        // On Skylake (affected by Meltdown and MDS) the model's rdctl-no and mds-no are unjustified;
        // ibrs-all is disabled so that unjustified-immunity is the only violation.
        let guest = S.guest("legacy-db", disable: ["ibrs-all"])
        let open = S.verdict(guest, on: S.skylake, policy: try policy(""), now: now)
        let unjustified = try #require(open.findings.first { $0.rule == .unjustifiedImmunity })
        #expect(unjustified.bits.names == ["rdctl-no", "mds-no"])
        #expect(open.status == .violating)

        let waived = try policy(
            """
            [[waivers]]
            guests = ["legacy-*"]
            rule = "unjustified-immunity"
            bits = ["mds-no"]
            reason = "vendor appliance; tracked in TICKET-123"
            expires = 2027-03-31
            """)
        let v = S.verdict(guest, on: S.skylake, policy: waived, now: now)
        let parts = v.findings.filter { $0.rule == .unjustifiedImmunity }
        #expect(parts.count == 2)
        let hidden = try #require(parts.first { $0.state == .waived })
        let still = try #require(parts.first { $0.state == .open })
        #expect(hidden.bits.names == ["mds-no"])
        #expect(hidden.waiver?.reason == "vendor appliance; tracked in TICKET-123")
        #expect(still.bits.names == ["rdctl-no"])
        #expect(still.waiver == nil)
        // Each part's message and config lines speak of its own bits only.
        #expect(hidden.message.hasPrefix("told mds-no but this host is affected (mds: "))
        #expect(!hidden.message.contains("meltdown"))
        #expect(still.message.hasPrefix("told rdctl-no but this host is affected (meltdown: 'Mitigation: PTI')"))
        #expect(hidden.origins.map(\.line) == [3])
        #expect(v.status == .violating, "rdctl-no is still open")
        // Other rules and other guests are untouched.
        #expect(
            v.findings.filter { $0.rule != .unjustifiedImmunity }
                == open.findings.filter { $0.rule != .unjustifiedImmunity })
        let other = S.verdict(S.guest("web1", disable: ["ibrs-all"]), on: S.skylake, policy: waived, now: now)
        #expect(other.findings.allSatisfy { $0.state == .open })

        // Waiving the rest too makes the guest waived, not compliant.
        let both = try policy(
            """
            [[waivers]]
            guests = "legacy-db"
            rule = "unjustified-immunity"
            bits = ["mds-no", "rdctl-no"]
            reason = "vendor appliance"
            expires = 2027-03-31
            """)
        #expect(S.verdict(guest, on: S.skylake, policy: both, now: now).status == .waived)
    }

    @Test("a waiver applies through its expiry date and ends at the following midnight UTC")
    func waiverExpires() throws {
        let guest = S.guest("legacy-db", disable: ["ibrs-all"])
        let p = try policy(
            """
            [[waivers]]
            guests = ["legacy-db"]
            rule = "unjustified-immunity"
            reason = "decommissioned in Q1"
            expires = 2027-03-31
            """)
        let lastMoment = S.verdict(guest, on: S.skylake, policy: p, now: S.date("2027-03-31T23:59:59Z"))
        let nextDay = S.verdict(guest, on: S.skylake, policy: p, now: S.date("2027-04-01T00:00:00Z"))
        let w = try #require(lastMoment.findings.first { $0.rule == .unjustifiedImmunity })
        let e = try #require(nextDay.findings.first { $0.rule == .unjustifiedImmunity })
        #expect(lastMoment.status == .waived)
        #expect(w.state == .waived)
        #expect(nextDay.status == .violating)
        #expect(e.state == .open)
        #expect(e.waiver?.expiresText == "2027-03-31", "an expired finding still says which waiver it had")
        #expect(w.id == e.id, "the same finding turns from waived to open")
    }

    @Test("a renewal added below an expired waiver covers the finding again")
    func renewedWaiver() throws {
        let guest = S.guest("legacy-db", disable: ["ibrs-all"])
        let p = try policy(
            """
            [[waivers]]
            guests = ["legacy-db"]
            rule = "unjustified-immunity"
            reason = "first exception"
            expires = 2026-06-30

            [[waivers]]
            guests = ["legacy-db"]
            rule = "unjustified-immunity"
            reason = "renewed until the appliance is replaced"
            expires = 2027-06-30
            """)
        let v = S.verdict(guest, on: S.skylake, policy: p, now: now)
        let f = try #require(v.findings.first { $0.rule == .unjustifiedImmunity })
        #expect(f.state == .waived)
        #expect(f.waiver?.reason == "renewed until the appliance is replaced")
        #expect(v.status == .waived)
    }

    @Test("a guest legal on the immune pool member is migration-unsafe toward the vulnerable one")
    func migrationPool() throws {
        let dir = S.snapshotDirectory()
        let p = try policy(
            """
            [[pools]]
            name = "batch"
            members = ["kvm-spr-01.json", "kvm-sky-01.json", "kvm-cl-01.json"]
            guests = ["web-*"]
            """, in: dir)
        let guest = S.passthroughGuest("web-1")
        let v = S.verdict(guest, on: S.sapphireRapids, policy: p, now: now)
        #expect(
            !v.findings.contains { $0.rule == .unjustifiedImmunity || $0.rule == .unjustifiedMitigation },
            "legal on the host it runs on")
        let unsafe = v.findings.filter { $0.rule == .migrationUnsafe }
        #expect(unsafe.map(\.poolHost) == ["kvm-cl-01", "kvm-sky-01"], "one finding per member that cannot back it")
        #expect(unsafe.allSatisfy { $0.pool == "batch" && $0.severity == .error && $0.state == .open })
        let sky = try #require(unsafe.first { $0.poolHost == "kvm-sky-01" })
        #expect(sky.bits.names.contains("mds-no"))
        #expect(sky.bits.names.contains("rdctl-no"))
        #expect(sky.message.contains("here; moved to kvm-sky-01, kvm-sky-01 cannot back it"))
        #expect(unsafe.allSatisfy { $0.direction == .outgoing })
        #expect(sky.message.contains("mds: 'Mitigation: Clear CPU buffers; SMT vulnerable'"))
        let cl = try #require(unsafe.first { $0.poolHost == "kvm-cl-01" })
        #expect(cl.bits.names.contains("taa-no"))
        #expect(!cl.bits.names.contains("mds-no"), "Cascade Lake's own MSR backs mds-no")
        #expect(v.status == .violating)

        // Guests outside the pool's selector are not judged against it.
        let db = S.verdict(S.passthroughGuest("db-1"), on: S.sapphireRapids, policy: p, now: now)
        #expect(!db.findings.contains { $0.rule == .migrationUnsafe })

        // A waiver for one destination's bits, e.g. while the Skylake hosts are drained.
        let waived = try policy(
            """
            [[pools]]
            name = "batch"
            members = ["kvm-spr-01.json", "kvm-sky-01.json"]
            guests = ["web-*"]

            [[waivers]]
            guests = ["web-*"]
            rule = "migration-unsafe"
            reason = "Skylake hosts leave the pool in December (CHG-88)"
            expires = 2026-12-31
            """, in: dir)
        #expect(S.verdict(guest, on: S.sapphireRapids, policy: waived, now: now).status == .waived)
    }

    @Test("kvm_synthesis = false takes KVM's synthesis out of J (the 'Not affected' verdicts stay)")
    func kvmSynthesisSwitch() throws {
        // Cascade Lake's MSR lacks gds-no, which KVM synthesizes from "Mitigation: Microcode" (no verdict source).
        let guest = S.guest("web1", force: ["gds-no"])
        #expect(
            !S.verdict(guest, on: S.cascadeLake, policy: try policy(""), now: now).findings
                .contains { $0.rule == .unjustifiedImmunity })
        let off = S.verdict(guest, on: S.cascadeLake, policy: try policy("kvm_synthesis = false\n"), now: now)
        let f = try #require(off.findings.first { $0.rule == .unjustifiedImmunity })
        #expect(f.bits.names == ["gds-no"])
        let rfds = S.verdict(
            S.guest("web1", force: ["rfds-no"]), on: S.cascadeLake, policy: try policy("kvm_synthesis = false\n"),
            now: now)
        #expect(!rfds.findings.contains { $0.rule == .unjustifiedImmunity }, "rfds: Not affected is a verdict")
    }
}
