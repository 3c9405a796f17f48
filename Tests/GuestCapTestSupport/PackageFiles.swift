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
    /// run), else under `.build/debug`; nil when neither is executable.
    public static func builtProgram(_ name: String) -> String? {
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let candidates = [
            argv0.deletingLastPathComponent().appendingPathComponent(name).path,
            path(".build/debug/" + name),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
