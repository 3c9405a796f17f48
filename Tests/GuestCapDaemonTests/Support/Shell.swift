import Foundation
import GuestCapTestSupport

/// Runs programs and finds the package's files.
enum Shell {
    typealias Result = ProcessOutput

    /// The package's root folder.
    static let packageRoot = PackageFiles.root

    /// Runs a program and waits for it.
    @discardableResult
    static func run(_ program: String, _ args: [String], environment: [String: String] = [:]) throws -> Result {
        try Subprocess.run(program, args, environment: environment)
    }

    /// A fresh temporary folder.
    static func tempDir(_ prefix: String = "guestcap-daemon-test") -> String { TemporaryFolder.make(prefix) }

    /// A short random marker for matching journal entries of one test.
    static func marker() -> String { "gct" + UUID().uuidString.prefix(8).lowercased() }
}
