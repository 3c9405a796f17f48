import Foundation
import GuestCapCore
import Testing
@testable import GuestCapSources

private typealias S = PolicyTestSupport

@Suite("Policy file: what loads")
struct PolicyLoadingTests {
    @Test("an empty file is the built-in policy, with the file's hash")
    func emptyFile() throws {
        let policy = try #require(S.load("# nothing\n").policyValue)
        #expect(policy.rules.isEmpty && policy.pools.isEmpty && policy.waivers.isEmpty)
        #expect(policy.justification == JustificationOptions())
        #expect(policy.sha256 == SHA256.hex(of: "# nothing\n"))
        for rule in Rule.allCases { #expect(policy.setting(for: rule) == RuleSetting(severity: rule.defaultSeverity)) }
    }

    @Test("rules, switches and selectors are read as written; dotted keys and inline tables work too")
    func readsEverything() throws {
        let text = """
            kvm_synthesis = false
            qemu_fb_clear = false
            rules.msr-hidden.enabled = false
            rules.reserved-bits = { severity = "error" }

            [rules.missed-immunity]
            severity = "notice"

            [[waivers]]
            guests = ["web-*", "8f0c*"]
            rule = "migration-unsafe"
            bits = ["MDS_NO", "taa-no"]
            reason = "moves only within the SPR racks"
            expires = "2027-03-31"
            """
        let policy = try #require(S.load(text).policyValue)
        #expect(policy.justification == JustificationOptions(kvmSynthesis: false, qemuFbClear: false))
        #expect(policy.setting(for: .msrHidden) == RuleSetting(enabled: false, severity: .info))
        #expect(policy.setting(for: .reservedBits) == RuleSetting(severity: .error))
        #expect(policy.setting(for: .missedImmunity) == RuleSetting(severity: .notice))
        let w = try #require(policy.waivers.first)
        #expect(w.bits == (try CapabilitySet(names: ["mds-no", "taa-no"])))
        #expect(w.guests.matches(name: "web-3", uuid: nil))
        #expect(w.guests.matches(name: "db", uuid: "8F0C1234-0000-0000-0000-000000000000"))
        #expect(!w.guests.matches(name: "db", uuid: "9f0c1234-0000-0000-0000-000000000000"))
        #expect(w.line == 9)
    }

    @Test("rule and key errors inside dotted keys and inline tables point at their line")
    func dottedAndInlineLines() {
        let text = """
            # header comment

            rules.msr-hiden.enabled = false
            rules.reserved-bits = { severity = "loud" }
            """
        #expect(
            S.problems(text) == [
                "policy.toml:3: rules.msr-hiden: 'msr-hiden' is not a rule (did you mean 'msr-hidden'?)",
                "policy.toml:4: rules.reserved-bits.severity: 'loud' is not a severity"
                    + " (severities: critical, error, warning, notice, info)",
            ])
    }

    @Test("keys inside multi-line strings are not mistaken for keys")
    func multilineStrings() {
        let text = """
            [[waivers]]
            guests = "g"
            rule = "missed-immunity"
            reason = \"\"\"
            expires = "not a key, just text"
            [not.a.table]
            \"\"\"
            expires = "soon"
            """
        #expect(S.problems(text) == ["policy.toml:8: [waivers.1].expires: 'soon' is not a date (use YYYY-MM-DD)"])
    }

    @Test("pool members from files, globs and directories, relative to the policy; named by hostname")
    func poolMembers() throws {
        let dir = S.snapshotDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/spr", withIntermediateDirectories: true)
        try FileManager.default.moveItem(atPath: dir + "/kvm-spr-01.json", toPath: dir + "/spr/kvm-spr-01.json")
        S.write("not a snapshot, but not *.json either", to: dir + "/spr/README")
        let text = """
            [[pools]]
            name = "all"
            members = ["kvm-*.json", "spr", "\(dir)/kvm-cl-01.json"]
            guests = ["*"]

            [[pools]]
            name = "web"
            members = "spr/"
            guests = ["web-*"]
            """
        let policy = try #require(S.load(text, in: dir).policyValue)
        #expect(policy.pools.map(\.name) == ["all", "web"])
        #expect(policy.pools[0].members.map(\.name) == ["kvm-cl-01", "kvm-sky-01", "kvm-spr-01"])
        #expect(policy.pools[0].members[0].path == dir + "/kvm-cl-01.json")
        #expect(policy.pools[0].members[2].snapshot == S.sapphireRapids)
        #expect(policy.pools[0].guests.all)
        #expect(policy.pools[1].members.map(\.name) == ["kvm-spr-01"])
        #expect(!policy.pools[1].guests.matches(name: "db-1", uuid: nil))
        #expect(policy.pools[1].guests.matches(name: "web-1", uuid: nil))
    }

    @Test("members sharing a hostname are named by file; a report's host member is a snapshot too")
    func memberNamesAndReports() throws {
        let dir = S.temporaryDirectory()
        try S.json(S.skylake).write(to: URL(fileURLWithPath: dir + "/before-microcode.json"))
        var updated = S.skylake
        updated.cpu.microcode = "0x2007108"
        let host = try JSONSerialization.jsonObject(with: S.json(updated))
        let report = try JSONSerialization.data(withJSONObject: [
            "schema": "guestcap.report/v1", "host": host, "guests": [],
        ])
        try report.write(to: URL(fileURLWithPath: dir + "/after-microcode.json"))
        let policy = try #require(S.load("[[pools]]\nname = \"sky\"\nmembers = [\".\"]\n", in: dir).policyValue)
        #expect(policy.pools[0].members.map(\.name) == ["after-microcode.json", "before-microcode.json"])
        #expect(policy.pools[0].members[0].snapshot.cpu.microcode == "0x2007108")
    }

    @Test("the shipped etc/guestcap/policy.toml loads and is the built-in policy")
    func shippedPolicyLoads() throws {
        let path = S.packageRoot + "/etc/guestcap/policy.toml"
        let policy = try PolicyLoader().load(path: path)
        #expect(policy.path == path)
        #expect(policy.justification == JustificationOptions())
        #expect(policy.pools.isEmpty && policy.waivers.isEmpty)
        for rule in Rule.allCases { #expect(policy.setting(for: rule) == RuleSetting(severity: rule.defaultSeverity)) }
        #expect(Set(policy.rules.keys) == Set(Rule.allCases), "every rule is listed in the shipped file")
    }

    @Test("the commented examples of the shipped policy load when uncommented")
    func shippedExamplesLoad() throws {
        let shipped = try String(contentsOfFile: S.packageRoot + "/etc/guestcap/policy.toml", encoding: .utf8)
        // Uncomment the example blocks (lines starting with "#[[" or "#  key =" inside them).
        var lines: [String] = []
        var inExample = false
        for line in shipped.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# [[pools]]") || line.hasPrefix("# [[waivers]]") { inExample = true }
            if inExample, line.hasPrefix("# ") {
                lines.append(String(line.dropFirst(2)))
            } else {
                if !line.hasPrefix("#") { inExample = false }
                lines.append(String(line))
            }
        }
        let dir = S.snapshotDirectory()
        let text = lines.joined(separator: "\n")
            .replacingOccurrences(of: "/etc/guestcap/pools/cascadelake/*.json", with: dir + "/kvm-cl-*.json")
            .replacingOccurrences(of: "/etc/guestcap/pools/sapphirerapids/", with: dir + "/")
        let policy = try PolicyLoader().load(text: text, path: dir + "/policy.toml")
        #expect(policy.pools.count == 1)
        #expect(policy.waivers.count == 1)
    }

    @Test("the worked example of docs/policy.md loads from its fixtures")
    func workedExampleLoads() throws {
        let policy = try PolicyLoader().load(path: S.fixture("fleet.toml"))
        #expect(policy.pools.map(\.name) == ["cascadelake-to-sapphire"])
        #expect(policy.pools[0].members.map(\.name) == ["kvm-cl-01", "kvm-spr-01"])
        #expect(policy.pools[0].members.map(\.snapshot) == [S.cascadeLake, S.sapphireRapids])
        #expect(policy.waivers.count == 1)
    }
}

extension Result {
    /// The error, or nil.
    var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}

@Suite("Policy file: the effective policy")
struct PolicyDescriptionTests {
    @Test("text: rules with what the file changed, pool members' J, waivers in force or expired")
    func text() throws {
        let policy = try PolicyLoader().load(path: S.fixture("fleet.toml"))
        let text = describePolicy(policy, now: S.date("2026-11-25T12:00:00Z"))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "policy " + S.fixture("fleet.toml"))
        #expect(lines[1] == "sha256 " + policy.sha256)
        #expect(lines.contains("  missed-immunity         off       (default info)"))
        #expect(lines.contains("  unjustified-immunity    critical"))
        #expect(lines.contains("  cascadelake-to-sapphire: guests *; 2 members"))
        #expect(
            lines.contains(
                "      J 0x000000000c0000eb [rdctl-no, ibrs-all, skip-l1dfl-vmentry, mds-no, pschange-mc-no,"
                    + " tsx-ctrl, gds-no, rfds-no]"))
        #expect(
            lines.contains(
                "  line 13: legacy-db: migration-unsafe bits taa-no until 2027-03-31 (active, 127 days left)"))
        let later = describePolicy(policy, now: S.date("2027-04-01T00:00:00Z"))
        #expect(later.contains("until 2027-03-31 (EXPIRED: its findings are open again)"))
    }

    @Test("JSON: a guestcap.policy/v1 document that round-trips")
    func json() throws {
        let policy = try PolicyLoader().load(path: S.fixture("fleet.toml"))
        let now = S.date("2026-11-25T12:00:00Z")
        let d = PolicyDescription(policy, now: now)
        let data = try ReportCoding.encoder().encode(d)
        #expect(try ReportCoding.decoder().decode(PolicyDescription.self, from: data) == d)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schema"] as? String == "guestcap.policy/v1")
        #expect(d.rules.count == Rule.allCases.count)
        #expect(d.rules.first { $0.rule == .missedImmunity }?.changed == true)
        #expect(d.waivers.map(\.active) == [true])
        #expect(d.waivers[0].bits == ["taa-no"])
        #expect(d.pools[0].members.map(\.hostname) == ["kvm-cl-01", "kvm-spr-01"])
    }
}
