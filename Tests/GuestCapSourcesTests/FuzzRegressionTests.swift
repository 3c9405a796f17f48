import Foundation
import GuestCapCore
import Testing
@testable import GuestCapSources

/// Inputs that made a parser crash or hang, found while fuzzing (docs/fuzzing.md). Each
/// fixture in `Fixtures/fuzz-regressions/` is the input at the fuzzers' size (64 KiB). The
/// hangs were quadratic: at `max_config_bytes` (4 MiB) the old code took minutes,
/// longer than the daemon's 30 s watchdog, so one file dropped in a watched folder restarted
/// the daemon over and over. The tests grow the fixture's repeated part to 2 MiB and check
/// that parsing it takes seconds, not minutes.
@Suite("Fuzz regressions", .serialized)
struct FuzzRegressionTests {
    /// The grown inputs are 2 MiB. The fixed parsers take about 10 s for that in a debug build
    /// on a busy 2-core machine (well under 1 s in release); the quadratic ones took over a
    /// minute in release (18 s of CPU for a 1 MiB `.args` file, so about 70 s for 2 MiB) and,
    /// in a debug build, had not finished 1 MiB after 400 s. A bound this loose does not fail
    /// on a slow machine.
    private static let grownSize = 2 << 20
    private static let bound: Duration = .seconds(60)

    /// Parses `small` and `big` and checks `big` took less than ``bound``.
    private func expectFast(small: [UInt8], big: [UInt8], _ parse: ([UInt8]) throws -> Void) throws {
        let clock = ContinuousClock()
        let t1 = try clock.measure { try parse(small) }
        let t2 = try clock.measure { try parse(big) }
        #expect(t2 < Self.bound, "\(small.count) bytes took \(t1), \(big.count) bytes \(t2)")
    }

    /// The fixture with the `unit` that repeats in it written out until the input is about `size` bytes.
    private func grown(_ relative: String, unit: String, size: Int) -> [UInt8] {
        let bytes = Fixture.bytes(relative)
        let u = Array(unit.utf8)
        let at = (0...(bytes.count - u.count)).first { bytes[$0..<($0 + u.count)].elementsEqual(u) }!
        let copies = max(0, (size - bytes.count) / u.count)
        return Array(bytes[..<at]) + Array([[UInt8]](repeating: u, count: copies).joined()) + Array(bytes[at...])
    }

    // MARK: - QEMU

    @Test("an .args file with many leading VAR=value words parses in seconds, not minutes")
    func manyEnvironmentAssignments() throws {
        let fixture = "fuzz-regressions/many-env-assignments.args"
        let small = Fixture.bytes(fixture)
        let big = grown(fixture, unit: "A=b ", size: Self.grownSize)
        try expectFast(small: small, big: big) { _ = try QEMUCommandLineParser.parseArgs($0, path: "guest.args") }
        let config = try QEMUCommandLineParser.parseArgs(big, path: "guest.args")
        #expect(config.source == .qemu)
        #expect(config.cpu.base == .qemuDefault)
    }

    @Test("only environment assignments is still not a QEMU command line")
    func onlyAssignments() {
        let error = #expect(throws: GuestConfigError.self) {
            try QEMUCommandLineParser.parseArgs(Array("A=b B=c\n".utf8), path: "guest.args")
        }
        #expect(error?.kind == .otherKind)
    }

    // MARK: - Firecracker

    @Test("a template with many MSR modifiers parses in seconds, not minutes; the n-th bitmap keeps its own line")
    func manyMSRModifiers() throws {
        let fixture = "fuzz-regressions/many-msr-modifiers.json"
        let unit = "{\"addr\": \"0x1\", \"bitmap\": \"0b1\"},\n"
        let small = Fixture.bytes(fixture)
        let big = grown(fixture, unit: unit, size: Self.grownSize)
        let parse = { (bytes: [UInt8]) throws -> GuestConfig in
            try FirecrackerConfigParser.parse(bytes, path: "template.json") { _ in [] }
        }
        try expectFast(small: small, big: big) { _ = try parse($0) }
        for bytes in [small, big] {
            // Only the last modifier is for 0x10a; its "0b1" is the last of many identical ones.
            let lines = bytes.filter { $0 == UInt8(ascii: "\n") }.count
            #expect(
                try parse(bytes).cpu.operations == [
                    CPUOperation(
                        .set(CapabilitySet(rawValue: 1)),
                        origin: ConfigOrigin("msr_modifiers 0x10a \"0b1\"", line: lines))
                ])
        }
    }
    // MARK: - Policy TOML

    /// The first problem PolicyLoader reports for a text, nil if it loads.
    private func firstProblem(_ text: String) -> PolicyProblem? {
        do {
            _ = try PolicyLoader().load(text: text, path: "/nonexistent/policy.toml")
            return nil
        } catch {
            return error.problems.first
        }
    }

    @Test("a table header that does not start with a key is a syntax error, not an abort inside toml++")
    func policyHeaderBacktick() throws {
        // The fuzz input: the fleet example with "[[pools]]" mutated to "[[`ools]]", then a NUL
        // and the member snapshot the fuzz target writes beside the policy (not needed here).
        let input = Fixture.bytes("fuzz-regressions/policy-header-backtick.fuzz")
        let policy = input.split(separator: 0, omittingEmptySubsequences: false)[0]
        let text = try #require(String(validating: policy, as: UTF8.self))
        let problem = try #require(firstProblem(text))
        #expect(problem.line == 8)
        #expect(problem.message.hasPrefix("TOML syntax: a table header must start with a key"))
    }

    @Test("a '}' inside an array is a syntax error, not an abort inside toml++")
    func policyBraceInArray() throws {
        // The fuzz input: a mangled fleet example whose members list ends in "   },".
        let input = Fixture.bytes("fuzz-regressions/policy-brace-in-array.fuzz")
        let policy = input.split(separator: 0, omittingEmptySubsequences: false)[0]
        let text = try #require(String(validating: policy, as: UTF8.self))
        let problem = try #require(firstProblem(text))
        #expect(problem.line == 7)
        #expect(problem.message == "TOML syntax: '}' inside an array; an array ends with ']'")
    }

    @Test(
        "every construct toml++ would abort on is found, on its line",
        arguments: [
            ("[[`a]]\n", 1), ("[`]\n", 1), ("[ =a]\n", 1), ("[[ [a]]]\n", 1), ("[[[a]]]\n", 1),
            ("\u{FEFF}[.a]\n", 1), ("x = 1\n\n  [#]\n", 3), ("[a]\nb = [\n 1,\n]\n[[\u{E9}]]\n", 5),
            ("s = \"\"\"\n\"\"\"\n[\n", 3), ("[", nil), ("[\n", 1),
            ("m = [\"a\",   },\n", 1), ("m = [\n}\n]\n", 2), ("t = { a = [ 1, } }\n", 1),
        ] as [(String, Int?)])
    func fatalHeaders(text: String, line: Int?) {
        #expect(TOMLPrecheck.firstFatalProblem(in: text)?.line == line)
        if let line {
            #expect(firstProblem(text)?.line == line)
        }
    }

    @Test(
        "headers, arrays and strings toml++ handles itself pass the check",
        arguments: [
            "[a]\n", "[ a ]\n", "[\"a b\"]\n", "['a']\n", "[[a]]\n", "[[ a ]]\n", "[]\n", "[ [a]]\n",
            "x = [\n[1, 2],\n[ \"a\" ],\n]\n", "s = '''\n[`\n'''\n", "s = \"\"\"\n[`\\\n[=\"\"\"\n",
            "# [`\n", "s = \"[`\"\n", "t = { a = [\"[`\"] }\n", "[a] # [`\n",
            "t = { a = [1, 2] }\n", "a = [ { b = 1 }, {} ]\n", "s = \"}\"\na = ['}']\n",
        ])
    func harmlessHeaders(text: String) {
        #expect(TOMLPrecheck.firstFatalProblem(in: text) == nil)
        _ = firstProblem(text)  // toml++ or the validator may refuse it; it must not abort
    }
}
