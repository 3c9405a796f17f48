import Foundation

/// Where the package's files and built programs are, for tests that read or run them.
public enum PackageFiles {
    /// The package's root folder (this file is `Tests/GuestCapTestSupport/PackageFiles.swift`).
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// A path below the package's root, e.g. `examples/hosts`.
    public static func path(_ relative: String) -> String { root + "/" + relative }

    /// A program the package builds: beside the running test bundle (the build folder of this
    /// run), else under `.build/debug` or `.build/release`; nil when none is executable.
    public static func builtProgram(_ name: String) -> String? {
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            argv0.deletingLastPathComponent().appendingPathComponent(name).path,
            path(".build/debug/" + name), path(".build/release/" + name),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The guestcap binary under test: `$GUESTCAP_BIN`, else the built one (else where
    /// `swift build` puts it, so a missing build fails naming that path).
    public static let guestcap: String =
        ProcessInfo.processInfo.environment["GUESTCAP_BIN"] ?? builtProgram("guestcap") ?? path(".build/debug/guestcap")
}
