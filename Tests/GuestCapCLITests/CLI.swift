import Foundation

/// Runs the built `guestcap` binary (and other programs) the way an operator or a script would.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The package's root folder.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The guestcap binary: $GUESTCAP_BIN, else next to the test bundle, else .build/debug.
    static let binary: String = {
        if let env = ProcessInfo.processInfo.environment["GUESTCAP_BIN"] { return env }
        let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("guestcap").path
        if FileManager.default.isExecutableFile(atPath: besideTests) { return besideTests }
        for dir in ["debug", "release"] {
            let p = packageRoot + "/.build/\(dir)/guestcap"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return packageRoot + "/.build/debug/guestcap"
    }()

    /// Runs guestcap with arguments.
    @discardableResult
    static func guestcap(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) throws -> Result {
        try run(binary, args, stdin: stdin, environment: environment)
    }

    /// Runs any program; waits for it.
    @discardableResult
    static func run(_ program: String, _ args: [String], stdin: String? = nil,
                    environment: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
        p.arguments = program.hasPrefix("/") ? args : [program] + args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe(), inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        // Read both pipes concurrently so a large output cannot block the child.
        nonisolated(unsafe) var errData = Data()
        let errThread = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        while errThread.isExecuting || !errThread.isFinished { usleep(1000) }
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs guestcap on a thread of its own; see ``run(_:_:stdin:environment:)-async``.
    @discardableResult
    static func guestcap(_ args: [String], stdin: String? = nil, environment: [String: String] = [:]) async throws -> Result {
        try await run(binary, args, stdin: stdin, environment: environment)
    }

    /// Runs any program on a thread of its own and waits without holding one of the
    /// concurrency pool's threads (one per core): a long run (a QEMU guest, a package build)
    /// held there would starve the in-process daemon tests, whose timers need the pool.
    @discardableResult
    static func run(_ program: String, _ args: [String], stdin: String? = nil,
                    environment: [String: String] = [:]) async throws -> Result {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Result, any Error>) in
            Thread {
                c.resume(with: Swift.Result { try run(program, args, stdin: stdin, environment: environment) as Result })
            }.start()
        }
    }

    /// Validates JSON against contracts/report.schema.json with the Python jsonschema validator.
    static func validate(_ json: String, definition: String? = nil) throws -> Result {
        let script = packageRoot + "/scripts/validate-json.py"
        return try run("python3", [script] + (definition.map { ["--def", $0] } ?? []) + ["-"], stdin: json)
    }

    /// A fresh temporary folder.
    static func tempDir(_ prefix: String = "guestcap-test") -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
