import Foundation

/// A program the probe runs (virsh, QEMU, Firecracker), its output kept in files so that a
/// chatty child can never block on a full pipe.
struct ProbeProcess {
    /// How a finished run ended.
    struct Outcome {
        /// The exit status, or nil when it was killed at the deadline.
        var status: Int32?
        var stdout: String
        var stderr: String
    }

    let process = Process()
    let stdoutPath: String
    let stderrPath: String

    /// Starts `program` (a path, or a name looked up on PATH) with `arguments`.
    /// - Throws: ``ProbeError`` naming `path` when it cannot be started.
    init(_ program: String, _ arguments: [String], workDir: String, label: String, path: String) throws(ProbeError) {
        stdoutPath = workDir + "/\(label).out"
        stderrPath = workDir + "/\(label).err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        guard let executable = Self.locate(program) else {
            throw ProbeError(path: path, "cannot run \(program): it is not an executable file or on PATH")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        do { try process.run() } catch {
            throw ProbeError(path: path, "cannot run \(executable): \(error.localizedDescription)")
        }
    }

    /// Waits until it exits or `deadline` passes (then kills it); `until` may end the wait early.
    func wait(deadline: Date, until done: () -> Bool = { false }) -> Outcome {
        while process.isRunning && Date() < deadline && !done() { usleep(50_000) }
        var status: Int32?
        if process.isRunning {
            process.terminate()
            let grace = Date().addingTimeInterval(2)
            while process.isRunning && Date() < grace { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        } else {
            process.waitUntilExit()
            status = process.terminationStatus
        }
        return Outcome(status: status, stdout: Self.read(stdoutPath), stderr: Self.read(stderrPath))
    }

    /// Kills it if it still runs (for cleanup on a signal).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Runs to the end (or `timeout` seconds).
    static func run(
        _ program: String, _ arguments: [String], workDir: String, label: String, path: String,
        timeout: TimeInterval
    ) throws(ProbeError) -> Outcome {
        let p = try ProbeProcess(program, arguments, workDir: workDir, label: label, path: path)
        return p.wait(deadline: Date().addingTimeInterval(timeout))
    }

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// A program's path: as given when it contains a slash, else the first match on PATH.
    static func locate(_ program: String) -> String? {
        let fm = FileManager.default
        if program.contains("/") { return fm.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where fm.isExecutableFile(atPath: "\(dir)/\(program)") {
            return "\(dir)/\(program)"
        }
        return nil
    }
}
