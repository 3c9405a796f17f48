import Foundation
import GuestCapTestSupport
import Testing

/// The rule for programs the tests run (see TestTool): each is listed in scripts/test-tools.txt
/// with the scripts/ensure-deps.sh group that installs it, and scripts/test.sh installs that group.
@Suite("test tools")
struct TestToolsTests {
    static let root = CLI.packageRoot

    /// program → group, from scripts/test-tools.txt.
    static func manifest() throws -> [String: String] {
        let text = try String(contentsOfFile: root + "/scripts/test-tools.txt", encoding: .utf8)
        var tools: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2 { tools[String(fields[0])] = String(fields[1]) }
        }
        return tools
    }

    /// The programs a Swift source starts by name: `run("prog", …)`, `run("/usr/bin/prog", …)`.
    static func programs(in source: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"\brun\("([^"\\]+)""#)
        let range = NSRange(source.startIndex..., in: source)
        return Set(
            pattern.matches(in: source, range: range).compactMap { m in
                Range(m.range(at: 1), in: source).map { String(source[$0].split(separator: "/").last ?? "") }
            })
    }

    /// Every Swift file under Tests/ with its text, but this one (its patterns are examples).
    static func testSources() throws -> [(path: String, text: String)] {
        let fm = FileManager.default
        let base = root + "/Tests"
        return try (fm.subpathsOfDirectory(atPath: base)).filter {
            $0.hasSuffix(".swift") && !$0.contains("/Fixtures/") && !$0.hasSuffix("/TestToolsTests.swift")
        }
        .sorted().map { ($0, try String(contentsOfFile: base + "/" + $0, encoding: .utf8)) }
    }

    @Test("the scanner finds a program a test starts, by name or by path")
    func scannerFindsPrograms() {
        #expect(
            Self.programs(in: #"let r = try CLI.run("promtool", ["check"]); Shell.run("/usr/bin/setpriv", a)"#)
                == ["promtool", "setpriv"])
        #expect(Self.programs(in: #"CLI.guestcap(["run"]); run(binary, [])"#).isEmpty)
    }

    @Test("every program a test runs is in scripts/test-tools.txt")
    func everyProgramIsListed() throws {
        let listed = try Self.manifest()
        for (path, text) in try Self.testSources() {
            for program in Self.programs(in: text) where program != "guestcap" {
                #expect(listed[program] != nil, "\(path) runs \(program), which scripts/test-tools.txt does not list")
            }
        }
    }

    @Test("every group of scripts/test-tools.txt is installed by scripts/test.sh through scripts/ensure-deps.sh")
    func everyGroupIsInstalled() throws {
        let deps = try String(contentsOfFile: Self.root + "/scripts/ensure-deps.sh", encoding: .utf8)
        let test = try String(contentsOfFile: Self.root + "/scripts/test.sh", encoding: .utf8)
        let installed = test.split(separator: "\n").filter { $0.hasPrefix("groups=(") || $0.contains("groups+=(") }
            .flatMap { $0.split(whereSeparator: { "() ".contains($0) }) }.map(String.init)
        #expect(test.contains("scripts/check-test-tools.sh"), "scripts/test.sh checks the programs after installing")
        for group in Set(try Self.manifest().values) where group != "essential" {
            #expect(deps.contains("        \(group)) pkgs+=("), "scripts/ensure-deps.sh has no group \(group)")
            #expect(installed.contains(group), "scripts/test.sh does not install group \(group)")
        }
    }

    @Test("no test looks for a program itself: it goes through TestTool, which skips with a reason or fails")
    func noSilentChecks() throws {
        for (path, text) in try Self.testSources() where !path.hasPrefix("GuestCapTestSupport/") {
            #expect(!text.contains("isExecutableFile(atPath: \"/usr/"), "\(path) checks for a program by hand")
            #expect(!text.contains("not installed (apt-get"), "\(path) skips part of a test silently")
        }
    }

    @Test("each TestTool names the group scripts/test-tools.txt gives it")
    func toolsAgreeWithTheList() throws {
        let listed = try Self.manifest()
        for tool in [TestTool.promtool, .chromium, .sqlite3] {
            #expect(listed[tool.name] == tool.group, "\(tool)")
        }
    }
}
