import Foundation
import GuestCapCore
import Testing

/// Text output fits a 100-column terminal (or the terminal's own width); `--wide` and JSON keep
/// whole lines.
@Suite("output width")
struct OutputWidthTests {
    static let hosts = CLI.packageRoot + "/examples/hosts/"
    static let guests = CLI.packageRoot + "/examples/guests"

    static func widest(_ text: String) -> Int {
        // "\r\n" (a terminal's line end) is one Character in Swift: split on any line break.
        text.split(whereSeparator: \.isNewline).map(\.count).max() ?? 0
    }

    /// A history database with findings (Benchmarks/fleet's example history).
    static func database() throws -> String {
        let db = CLI.tempDir("guestcap-width") + "/history.sqlite"
        let r = try CLI.run(
            CLI.generator, ["--history", db, "--guests", "12", "--examples", CLI.packageRoot + "/examples/hosts"])
        try #require(r.status == 0, "\(r.stderr)")
        return db
    }

    @Test("check, host, status and history fit 100 columns when not a terminal; --wide keeps whole lines")
    func fitsHundredColumns() throws {
        let db = try Self.database()
        defer { try? FileManager.default.removeItem(atPath: (db as NSString).deletingLastPathComponent) }
        let commands = [
            ["check", "--builtin-policy", "--host-root", Self.hosts + "mixed-microcode", Self.guests],
            ["host", "--builtin-policy", "--host-root", Self.hosts + "graniterapids"],
            ["status", "--database", db],
            ["history", "--database", db],
        ]
        for args in commands {
            let fitted = try CLI.guestcap(args)
            let wide = try CLI.guestcap(args + ["--wide"])
            #expect(Self.widest(fitted.stdout) <= 100, "\(args[0]): \(Self.widest(fitted.stdout)) columns")
            #expect(Self.widest(wide.stdout) > 100, "\(args[0]) --wide keeps the long lines")
            // Nothing is lost from the words, only where lines break (tables cut cells, marked "…").
            if args[0] != "status" && args[0] != "host" {
                #expect(
                    fitted.stdout.split(whereSeparator: \.isWhitespace)
                        == wide.stdout.split(whereSeparator: \.isWhitespace),
                    "\(args[0]): wrapping changes only line breaks")
            }
        }
        let json = try CLI.guestcap(["history", "--database", db, "--format", "json"])
        #expect(!json.stdout.contains("…"), "JSON has the full values")
    }

    @Test("on a terminal the output takes the terminal's width")
    func terminalWidth() throws {
        let command = "stty cols 60; exec \"$0\" host --builtin-policy --host-root \"$1\""
        let r = try CLI.run(
            "script", ["-qec", "sh -c '\(command)' \(CLI.binary) \(Self.hosts)cascadelake", "/dev/null"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Self.widest(r.stdout) <= 60 && Self.widest(r.stdout) > 40, "\(Self.widest(r.stdout)) columns")
    }

    @Test("a long line wraps at spaces under its own indentation; a table cuts its widest cells and wraps the last")
    func wrapAndTable() {
        let line = "  CRITICAL rule [bit]: " + String(repeating: "word ", count: 30)
        let wrapped = TextWrap.wrapLine(line, width: 40)
        #expect(wrapped.split(separator: "\n").allSatisfy { $0.count <= 40 })
        #expect(wrapped.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("      w") })
        #expect(TextWrap.wrap("short\n" + line, width: nil) == "short\n" + line)
        var t = TextTable(["WHEN", "NAME", "WHY"])
        t.add([
            "2026-11-24T00:00:00Z", String(repeating: "n", count: 30), "because " + String(repeating: "x ", count: 30),
        ])
        t.add(["2026-11-25T00:00:00Z", "short", "ok"])
        let lines = t.render(width: 60).split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 60 }, "\(lines)")
        #expect(lines[1].hasPrefix("2026-11-24T00:00:00Z  nnnnnnn") && lines[1].contains("…"), "dates stay whole")
        #expect(t.render() == t.render(width: nil))
    }
}
