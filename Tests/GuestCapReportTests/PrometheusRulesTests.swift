import Foundation
import GuestCapCore
@testable import GuestCapReport
import Testing

/// The shipped alerting rules (etc/prometheus/guestcap.rules.yml): valid for Prometheus, their
/// unit tests pass, those tests notice a broken rule, and every metric and label value the rules
/// name is one guestcap writes.
@Suite("Prometheus alerting rules")
struct PrometheusRulesTests {
    static let folder = Fixtures.packageRoot + "/etc/prometheus"
    static let rules = folder + "/guestcap.rules.yml"
    static let unitTests = folder + "/guestcap.rules.test.yml"
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(
        "promtool accepts the rules and their unit tests pass",
        .enabled(if: promtool != nil, "promtool is not installed: scripts/ensure-deps.sh metrics installs it"))
    func promtoolChecksAndTests() throws {
        let check = try #require(try Fixtures.run(Self.promtool!, ["check", "rules", Self.rules]))
        #expect(check.status == 0, "\(check.out)\(check.err)")
        #expect(check.out.contains("5 rules found"), "\(check.out)")
        let test = try #require(try Fixtures.run(Self.promtool!, ["test", "rules", Self.unitTests]))
        #expect(test.status == 0, "\(test.out)\(test.err)")
    }

    @Test(
        "the unit tests fail when a rule is broken (a threshold raised, a rule name misspelt)",
        .enabled(if: promtool != nil, "promtool is not installed: scripts/ensure-deps.sh metrics installs it"))
    func unitTestsCatchBrokenRules() throws {
        let text = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let tests = try String(contentsOfFile: Self.unitTests, encoding: .utf8)
        for (from, to) in [
            (#"guestcap_guests{status="violating"} > 0"#, #"guestcap_guests{status="violating"} > 1"#),
            (#"rule="migration-unsafe""#, #"rule="migration_unsafe""#),
        ] {
            #expect(text.contains(from))
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gc-rules-\(UUID().uuidString)")
                .path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try text.replacingOccurrences(of: from, with: to)
                .write(toFile: dir + "/guestcap.rules.yml", atomically: true, encoding: .utf8)
            try tests.write(toFile: dir + "/guestcap.rules.test.yml", atomically: true, encoding: .utf8)
            let r = try #require(try Fixtures.run(Self.promtool!, ["test", "rules", dir + "/guestcap.rules.test.yml"]))
            #expect(r.status != 0, "a broken rule passed its unit tests: \(to)")
        }
    }

    @Test("every guestcap metric, rule name and guest status the rules name is one guestcap writes")
    func rulesNameRealMetrics() throws {
        let text = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let written = Set(PrometheusRenderer.metrics.map(\.fullName))
        let exprs = text.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
            .joined(separator: "\n")
        let names = Set(exprs.matches(of: /guestcap_[a-z_]+/).map { String($0.output) })
        #expect(!names.isEmpty)
        for n in names { #expect(written.contains(n), "the rules read \(n), which guestcap does not write") }
        let rules = exprs.matches(of: /rule="([^"]+)"/).map { String($0.output.1) }
        #expect(rules.count >= 2)
        for r in rules { #expect(Rule(rawValue: r) != nil, "the rules name an unknown rule \(r)") }
        let statuses = exprs.matches(of: /guestcap_guests\{status="([^"]+)"/).map { String($0.output.1) }
        for s in statuses { #expect(GuestStatus(rawValue: s) != nil, "unknown guest status \(s)") }
        let msrStatuses = exprs.matches(of: /guestcap_host_msr_info\{status="([^"]+)"/).map { String($0.output.1) }
        for s in msrStatuses { #expect(MSRStatus(rawValue: s) != nil, "unknown MSR status \(s)") }
    }
}
