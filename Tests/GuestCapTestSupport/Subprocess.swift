import Foundation

/// What a program run by a test printed, and how it ended.
public struct ProcessOutput: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs programs for the tests: the one process runner every test target uses.
public enum Subprocess {
    /// Runs `executable` (an absolute path) and waits for it, reading both pipes at once so a
    /// large output cannot block the child.
    /// - Throws: when the program cannot be started.
    @discardableResult
    public static func run(
        _ executable: String, _ args: [String], stdin: Data? = nil,
        environment: [String: String] = [:]
    ) throws -> ProcessOutput {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        let inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(stdin) }
        try inp.fileHandleForWriting.close()
        nonisolated(unsafe) var errData = Data()
        let errDone = DispatchSemaphore(value: 0)
        Thread {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            errDone.signal()
        }.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        errDone.wait()
        return ProcessOutput(
            status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The same on a thread of its own, waiting without holding one of the concurrency pool's
    /// threads (one per core): a long run (a QEMU guest, a package build) held there would
    /// starve the in-process daemon tests, whose timers need the pool.
    @discardableResult
    public static func run(
        _ executable: String, _ args: [String], stdin: Data? = nil,
        environment: [String: String] = [:]
    ) async throws -> ProcessOutput {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<ProcessOutput, any Error>) in
            Thread {
                c.resume(
                    with: Result { try run(executable, args, stdin: stdin, environment: environment) as ProcessOutput })
            }.start()
        }
    }
}

/// Fresh folders under the system temporary directory.
public enum TemporaryFolder {
    /// Creates `PREFIX-UUID` under the temporary directory and returns its path.
    public static func make(_ prefix: String = "guestcap-test") -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
