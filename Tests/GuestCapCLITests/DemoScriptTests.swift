import Foundation
import Testing

/// scripts/demo.sh, the README's first command, as a new user meets it.
@Suite("demo script")
struct DemoScriptTests {
    static let script = (try? String(contentsOfFile: CLI.packageRoot + "/scripts/demo.sh", encoding: .utf8)) ?? ""
    static var lines: [Substring] { script.split(separator: "\n") }

    @Test("the build shows its progress and is announced as taking minutes the first time")
    func buildIsVisible() throws {
        let build = try #require(Self.lines.first { $0.hasPrefix("swift build") })
        #expect(!build.contains("/dev/null"), "the build's output is shown: \(build)")
        let before = Self.lines.prefix { !$0.hasPrefix("swift build") }
        #expect(
            before.contains { $0.hasPrefix("say ") && $0.contains("minutes") }, "a step says the build takes minutes")
    }

    @Test("every step is numbered N/M, and M is the number of steps")
    func stepsAreNumbered() throws {
        let says = Self.lines.filter { $0.hasPrefix("say ") }.count
        let total = try #require(Self.lines.first { $0.hasPrefix("steps=") }.flatMap { Int($0.dropFirst(6)) })
        #expect(says == total, "\(says) steps, steps=\(total)")
        // The numbering itself, run through bash.
        let r = try CLI.run(
            "bash",
            [
                "-c",
                (Self.lines.first { $0.hasPrefix("say()") }.map(String.init) ?? "false")
                    + "; steps=2; step=0; say one; say two",
            ])
        #expect(r.stdout.contains("== 1/2 one") && r.stdout.contains("== 2/2 two"), "\(r.stdout)")
    }
}
