import Foundation
import GuestCapCore
import Testing
@testable import GuestCapSources

private typealias S = PolicyTestSupport

@Suite("Policy file: validation")
struct PolicyValidationTests {
    @Test("every problem is reported at once, sorted by line, naming file, line and key")
    func allProblemsAtOnce() throws {
        let dir = S.snapshotDirectory()
        let text = """
            kvm_synthesis = "yes"
            qemu_fb_clear = true
            colour = "blue"

            [rules.missed-immunty]
            enabled = false

            [rules.hidden-disclosure]
            severity = "fatal"

            [[pools]]
            name = "batch"
            members = ["kvm-spr-01.json", "missing.json"]
            guests = ["web-[0-9"]

            [[pools]]
            name = "batch"
            members = []

            [[waivers]]
            guests = ["legacy-db"]
            rule = "unjustified-immunity"
            bits = ["mds-no", "mdsno"]
            reason = ""
            expires = "2026-13-01"

            [[waivers]]
            guests = "legacy-*"
            rule = "host-msr-unreadable"
            reason = "x"
            """
        #expect(
            S.problems(text, in: dir) == [
                "policy.toml:1: kvm_synthesis: must be true or false, not a string (\"yes\")",
                "policy.toml:3: colour: unknown key (keys here: kvm_synthesis, qemu_fb_clear, rules, pools, waivers)",
                "policy.toml:5: rules.missed-immunty: 'missed-immunty' is not a rule (did you mean 'missed-immunity'?)",
                "policy.toml:9: rules.hidden-disclosure.severity: 'fatal' is not a severity"
                    + " (severities: critical, error, warning, notice, info)",
                "policy.toml:13: [pools.1].members: 'missing.json': no such file",
                "policy.toml:14: [pools.1].guests: bad pattern 'web-[0-9': '[' at position 5 is not closed by ']'",
                "policy.toml:17: [pools.2].name: pool 'batch' is already defined at line 12; pool names must be unique",
                "policy.toml:18: [pools.2].members: the pool is empty: list at least one host snapshot file or directory",
                "policy.toml:23: [waivers.1].bits: 'mdsno' is not a bit of IA32_ARCH_CAPABILITIES (did you mean 'mds-no'?)",
                "policy.toml:24: [waivers.1].reason: is empty: say why this is accepted (a ticket, an owner): auditors read it",
                "policy.toml:25: [waivers.1].expires: '2026-13-01' is not a date (use YYYY-MM-DD)",
                "policy.toml:27: [waivers.2]: missing 'expires': every waiver needs an end date (YYYY-MM-DD)"
                    + " so it is reviewed again",
                "policy.toml:29: [waivers.2].rule: 'host-msr-unreadable' findings cannot be waived (they belong to no"
                    + " guest's configuration); change the rule's severity or disable it under [rules.host-msr-unreadable]"
                    + " instead",
            ])
    }

    @Test("the error prints the full path of the file, one problem a line, then a count")
    func errorDescription() throws {
        let dir = S.temporaryDirectory()
        let error = try #require(S.load("kvm_synthesis = 1\nextra = true\n", in: dir).failure)
        #expect(error.file == dir + "/policy.toml")
        #expect(error.problems.map(\.line) == [1, 2])
        #expect(error.problems.map(\.key) == ["kvm_synthesis", "extra"])
        #expect(
            error.description == """
                \(dir)/policy.toml:1: kvm_synthesis: must be true or false, not an integer
                \(dir)/policy.toml:2: extra: unknown key (keys here: kvm_synthesis, qemu_fb_clear, rules, pools, waivers)
                \(dir)/policy.toml: 2 problems; the policy is not valid
                """)
    }

    @Test("a TOML syntax error names its line")
    func syntaxError() throws {
        let text = """
            [[waivers]]
            guests = ["a"]
            rule = "unjustified-immunity"
            reason = "r"
            expires = 2026-13-01
            """
        let error = try #require(S.load(text).failure)
        #expect(error.problems.count == 1)
        #expect(error.problems[0].line == 5)
        #expect(error.problems[0].key == "")
        #expect(error.problems[0].message.hasPrefix("TOML syntax: "))
    }

    @Test("a file that cannot be read says why")
    func unreadableFile() throws {
        let dir = S.temporaryDirectory()
        do throws(PolicyError) {
            _ = try PolicyLoader().load(path: dir + "/nope.toml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.problems.map(\.description) == ["\(dir)/nope.toml: cannot read the policy: no such file"])
        }
        do throws(PolicyError) {
            _ = try PolicyLoader().load(path: dir)
            Issue.record("loaded a directory")
        } catch {
            #expect(error.problems.map(\.message) == ["cannot read the policy: is a directory"])
        }
    }

    @Test("unknown keys inside rules, pools and waivers, with suggestions")
    func unknownNestedKeys() {
        let dir = S.snapshotDirectory()
        let text = """
            [rules.missed-immunity]
            enable = false

            [[pools]]
            name = "p"
            member = ["kvm-spr-01.json"]

            [[waivers]]
            guests = ["g"]
            rule = "missed-immunity"
            reasn = "typo"
            expires = 2027-01-01
            """
        #expect(
            S.problems(text, in: dir) == [
                "policy.toml:2: rules.missed-immunity.enable: unknown key (did you mean 'enabled'?)",
                "policy.toml:4: [pools.1]: missing 'members': the host snapshot files of the pool (from 'guestcap host --format json')",
                "policy.toml:6: [pools.1].member: unknown key (did you mean 'members'?)",
                "policy.toml:8: [waivers.1]: missing 'reason': say why this is accepted (a ticket, an owner): auditors read it",
                "policy.toml:11: [waivers.1].reasn: unknown key (did you mean 'reason'?)",
            ])
    }

    @Test("wrong value types name what was found")
    func wrongTypes() {
        let text = """
            rules = "all"
            pools = 3

            [[waivers]]
            guests = ["g", 7]
            rule = "unjustified-immunity"
            reason = "r"
            expires = 2027-03-31T10:00:00Z
            """
        #expect(
            S.problems(text) == [
                "policy.toml:1: rules: must be a table of rules ([rules.NAME] sections), not a string (\"all\")",
                "policy.toml:2: pools: must be a list of [[pools]] sections, not an integer",
                "policy.toml:5: [waivers.1].guests: item 2 must be a string, not an integer",
                "policy.toml:8: [waivers.1].expires: must be a date without a time (YYYY-MM-DD):"
                    + " the waiver ends at midnight UTC after that day",
            ])
    }

    @Test("a waiver's bits must exist and be bits its rule reports; bitless rules take none")
    func waiverBits() {
        let text = """
            [[waivers]]
            guests = ["g"]
            rule = "unjustified-immunity"
            bits = [
              "mds-no",
              "rsba",
            ]
            reason = "r"
            expires = 2027-03-31

            [[waivers]]
            guests = ["g"]
            rule = "unknown-model"
            bits = ["mds-no"]
            reason = "r"
            expires = 2027-03-31

            [[waivers]]
            guests = ["g"]
            rule = "missed-immunity"
            bits = []
            reason = "r"
            expires = 2027-03-31
            """
        #expect(
            S.problems(text) == [
                "policy.toml:6: [waivers.1].bits: 'unjustified-immunity' never reports rsba (a disclosure bit),"
                    + " so waiving it has no effect",
                "policy.toml:14: [waivers.2].bits: 'unknown-model' findings have no bits: leave 'bits' out",
                "policy.toml:21: [waivers.3].bits: names no bit: leave 'bits' out to waive every bit of the rule",
            ])
    }

    @Test("expiry dates: TOML dates and strings; impossible days and other shapes are errors")
    func expiryDates() throws {
        for bad in ["\"2027-02-29\"", "\"31.03.2027\"", "\"2027-3-31\"", "\"\""] {
            let text = "[[waivers]]\nguests = \"g\"\nrule = \"missed-immunity\"\nreason = \"r\"\nexpires = \(bad)\n"
            let message = try #require(S.problems(text).first)
            #expect(message.hasPrefix("policy.toml:5: [waivers.1].expires: "), "\(bad)")
            #expect(message.hasSuffix("is not a date (use YYYY-MM-DD)"), "\(bad)")
        }
        for good in ["2028-02-29", "\"2028-02-29\""] {
            let text = "[[waivers]]\nguests = \"g\"\nrule = \"missed-immunity\"\nreason = \"r\"\nexpires = \(good)\n"
            let policy = try #require(S.load(text).policyValue)
            #expect(policy.waivers[0].expiresText == "2028-02-29")
            #expect(policy.waivers[0].expires == S.date("2028-03-01T00:00:00Z"))
            #expect(policy.waivers[0].line == 1)
        }
    }

    @Test("pool members: missing files, files that are not snapshots, globs and directories that match nothing")
    func badMembers() {
        let dir = S.snapshotDirectory()
        S.write("this is not json", to: dir + "/broken.json")
        S.write("{\"hostname\": \"x\"}", to: dir + "/partial.json")
        try! FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
        let text = """
            [[pools]]
            name = "p"
            members = [
              "kvm-spr-01.json",
              "broken.json",
              "partial.json",
              "nothing-*.json",
              "empty/",
              "*/x.json",
              "/nonexistent/kvm.json",
            ]
            """
        let problems = S.problems(text, in: dir)
        #expect(problems.count == 6)
        #expect(problems[0].hasPrefix("policy.toml:5: [pools.1].members: 'broken.json': not JSON ("))
        #expect(
            problems[1] == "policy.toml:6: [pools.1].members: 'partial.json': not a host snapshot: missing 'cpu'"
                + " (write one with 'guestcap host --format json')")
        #expect(problems[2] == "policy.toml:7: [pools.1].members: 'nothing-*.json': matches no file")
        #expect(
            problems[3] == "policy.toml:8: [pools.1].members: 'empty/': the directory holds no *.json snapshot file")
        #expect(
            problems[4] == "policy.toml:9: [pools.1].members: '*/x.json': only the file name may contain * ? [ ],"
                + " not the directories")
        #expect(problems[5] == "policy.toml:10: [pools.1].members: '/nonexistent/kvm.json': no such file")
    }

    @Test("a waiver that has already expired is not an error")
    func expiredAtLoad() throws {
        let text = "[[waivers]]\nguests = \"g\"\nrule = \"missed-immunity\"\nreason = \"old\"\nexpires = 2001-01-01\n"
        let policy = try #require(S.load(text).policyValue)
        #expect(policy.waivers.count == 1)
        #expect(!policy.waivers[0].isActive(at: S.date("2026-11-25T00:00:00Z")))
        #expect(describePolicy(policy, now: S.date("2026-11-25T00:00:00Z")).contains("EXPIRED"))
    }
}
