import Foundation
import Testing

/// A program a test runs that is not part of guestcap, and the scripts/ensure-deps.sh group
/// that installs it (listed in scripts/test-tools.txt, checked by TestToolsTests).
///
/// The rule for every such program: scripts/test.sh installs its group and says so in
/// GUESTCAP_TEST_GROUPS; a test needing it then runs, and a missing program is a failure.
/// Where the group was not installed (a plain `swift test`, or `--quick` for the browser),
/// the test runs when the program happens to be present and is otherwise skipped, saying why.
public struct TestTool: Sendable, CustomStringConvertible {
    /// The program's name, as on PATH.
    public let name: String
    /// The scripts/ensure-deps.sh group that installs it.
    public let group: String
    private let candidates: [String]

    public init(_ name: String, group: String, paths: [String] = []) {
        self.name = name
        self.group = group
        self.candidates = paths.isEmpty ? ["/usr/bin/" + name, "/usr/local/bin/" + name, "/bin/" + name] : paths
    }

    /// Prometheus's metrics linter (Debian `prometheus`).
    public static let promtool = TestTool("promtool", group: "metrics")
    /// A headless browser for the HTML reports (Debian `chromium`).
    public static let chromium = TestTool(
        "chromium", group: "browser",
        paths: ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"])
    /// The SQLite shell (Debian `sqlite3`).
    public static let sqlite3 = TestTool("sqlite3", group: "base")
    /// QEMU for x86 guests, which `guestcap probe` starts (Debian `qemu-system-x86`).
    public static let qemu = TestTool("qemu-system-x86_64", group: "libvirt")
    /// Firecracker is not a Debian package: tests check that `probe` says it is needed.
    public static let firecracker = TestTool("firecracker", group: "none")

    public var description: String { name }

    /// Where the program is installed, or nil.
    public var path: String? { candidates.first { FileManager.default.isExecutableFile(atPath: $0) } }

    /// The groups scripts/test.sh installed for this run.
    public static var installedGroups: Set<String> {
        Set((ProcessInfo.processInfo.environment["GUESTCAP_TEST_GROUPS"] ?? "").split(separator: " ").map(String.init))
    }

    /// Whether a test that needs the program runs: it is present, or scripts/test.sh installed its
    /// group (then its absence fails the test instead of hiding it).
    public var runs: Bool { path != nil || Self.installedGroups.contains(group) }

    /// Why a test that needs it is skipped.
    public var skipReason: Comment {
        Comment(
            rawValue: "\(name) is not installed: scripts/ensure-deps.sh \(group) installs it"
                + (group == "browser" ? " (scripts/test.sh does, without --quick)" : " (scripts/test.sh does)"))
    }

    /// The program's path; fails the test when it is missing although its group was installed.
    public func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(
            path, "\(name) is missing although scripts/ensure-deps.sh \(group) should have installed it",
            sourceLocation: sourceLocation)
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where `tool` is installed or scripts/test.sh installed its group; else
    /// skips it with the reason.
    public static func needs(_ tool: TestTool) -> Self {
        .enabled(if: tool.runs, tool.skipReason)
    }
}
