import Foundation
import GuestCapTestSupport

/// Runs the built `guestcap` binary (and other programs) the way an operator or a script would.
enum CLI {
    typealias Result = ProcessOutput

    /// The package's root folder.
    static let packageRoot = PackageFiles.root

    /// The guestcap binary: $GUESTCAP_BIN, else next to the test bundle, else .build/debug.
    static let binary = PackageFiles.guestcap

    /// Runs guestcap with arguments.
    @discardableResult
    static func guestcap(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try run(binary, args, stdin: stdin, environment: environment)
    }

    /// Runs any program (a bare name through PATH); waits for it.
    @discardableResult
    static func run(
        _ program: String, _ args: [String], stdin: String? = nil,
        environment: [String: String] = [:]
    ) throws -> Result {
        let (exe, argv) = resolve(program, args)
        return try Subprocess.run(exe, argv, stdin: stdin.map { Data($0.utf8) }, environment: environment)
    }

    /// Runs guestcap on a thread of its own; see ``Subprocess``.
    @discardableResult
    static func guestcap(
        _ args: [String], stdin: String? = nil, environment: [String: String] = [:]
    ) async throws -> Result {
        try await run(binary, args, stdin: stdin, environment: environment)
    }

    /// Runs any program on a thread of its own, not holding one of the concurrency pool's
    /// threads while it waits (see ``Subprocess``).
    @discardableResult
    static func run(
        _ program: String, _ args: [String], stdin: String? = nil,
        environment: [String: String] = [:]
    ) async throws -> Result {
        let (exe, argv) = resolve(program, args)
        return try await Subprocess.run(exe, argv, stdin: stdin.map { Data($0.utf8) }, environment: environment)
    }

    /// An absolute path as is; a bare name through env(1), which searches PATH.
    private static func resolve(_ program: String, _ args: [String]) -> (String, [String]) {
        program.hasPrefix("/") ? (program, args) : ("/usr/bin/env", [program] + args)
    }

    /// Validates JSON against contracts/report.schema.json with the Python jsonschema validator.
    static func validate(_ json: String, definition: String? = nil) throws -> Result {
        let script = packageRoot + "/scripts/validate-json.py"
        return try run("python3", [script] + (definition.map { ["--def", $0] } ?? []) + ["-"], stdin: json)
    }

    /// A fresh temporary folder.
    static func tempDir(_ prefix: String = "guestcap-test") -> String { TemporaryFolder.make(prefix) }
}
