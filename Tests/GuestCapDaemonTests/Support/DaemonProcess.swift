import Foundation
import Glibc
import GuestCapDaemon
import GuestCapTestSupport

/// `guestcap daemon` as a child process, as systemd would run it: a `$NOTIFY_SOCKET` of the
/// test's own, stderr to a file.
final class DaemonProcess: @unchecked Sendable {
    /// The built binary: $GUESTCAP_BIN, else the one this build made.
    static let binary = PackageFiles.guestcap

    let process = Process()
    let notify: NotifyListener
    let stderrPath: String

    /// Wall-clock time just before the spawn: PIDs wrap (pid_max may be 32768), so a match on
    /// `_PID` alone can pick up an earlier process's entries.
    private(set) var startedAt = Date()

    var pid: Int32 { process.processIdentifier }

    /// This process's own journal entries matching `matches`.
    func entries(_ matches: [String]) throws -> [JournalReader.Entry] {
        try JournalReader.entries(["_PID=\(pid)"] + matches, since: startedAt)
    }

    /// Polls until this process has logged `count` entries matching `matches`.
    func wait(_ matches: [String], count: Int, timeout: Duration = .seconds(45)) async throws -> [JournalReader.Entry] {
        try await JournalReader.wait(["_PID=\(pid)"] + matches, count: count, since: startedAt, timeout: timeout)
    }

    init(arguments: [String], workDir: String, environment: [String: String] = [:]) throws {
        notify = NotifyListener(directory: workDir)
        stderrPath = workDir + "/daemon-\(UUID().uuidString.prefix(6)).log"
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["daemon"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notify.path
        env["WATCHDOG_USEC"] = nil
        env["WATCHDOG_PID"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = FileHandle.nullDevice
        startedAt = Date(timeIntervalSinceNow: -0.001)
        try process.run()
    }

    /// Waits for READY=1; false when it did not come (the log says why).
    func waitReady() async -> Bool { await notify.wait(for: "READY=1") }

    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// SIGTERM and wait; returns the exit status.
    @discardableResult
    func stop() async -> Int32 {
        if process.isRunning { signal(SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(20)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            signal(SIGKILL)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }
}

/// A temporary world for one daemon: a host root copied from the examples, a watched folder,
/// a database, a configuration naming the world's own (empty, so built-in) policy: never the
/// machine's /etc/guestcap/policy.toml, which the package tests install and purge meanwhile.
struct DaemonWorld {
    let dir: String
    let hostRoot: String
    let guests: String
    let database: String
    let config: String
    let marker: String

    init(host: String = "cascadelake") throws {
        dir = Shell.tempDir("guestcap-e2e")
        hostRoot = dir + "/host"
        guests = dir + "/guests"
        database = dir + "/db/history.sqlite"
        config = dir + "/guestcap.toml"
        marker = Shell.marker()
        try FileManager.default.copyItem(atPath: Shell.packageRoot + "/examples/hosts/" + host, toPath: hostRoot)
        try FileManager.default.createDirectory(atPath: guests, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir + "/policy.toml", contents: Data())
        _ = FileManager.default.createFile(atPath: config, contents: Data(configHead.utf8))
    }

    /// The start of the configuration file: the world's own policy.
    var configHead: String { "policy = \"\(dir)/policy.toml\"\n" }

    var arguments: [String] {
        [
            "--config", config, "--host-root", hostRoot, "--database", database, "--watch", "libvirt=\(guests)",
            "--log-level", "debug",
        ]
    }

    func start(_ extra: [String] = [], environment: [String: String] = [:]) throws -> DaemonProcess {
        try DaemonProcess(arguments: arguments + extra, workDir: dir, environment: environment)
    }

    /// The configuration of an in-process auditor on this world (its database folder made).
    func auditorConfiguration() throws -> DaemonConfiguration {
        var config = DaemonConfiguration()
        config.hostRoot = hostRoot
        config.databasePath = database
        config.policyPath = dir + "/policy.toml"
        config.sources = [WatchedSource(kind: .libvirt, directory: guests)]
        try FileManager.default.createDirectory(atPath: dir + "/db", withIntermediateDirectories: true)
        return config
    }

    /// A libvirt domain named `name` with a Cascadelake-Server-v2 CPU and the given forced features.
    ///
    /// By default its live status (`<domstatus>`): what a running guest was told when it booted,
    /// so a forced bit this host does not back is a violation (policy-model §2: the host changed
    /// under it). `live: false` gives the persistent `<domain>`, whose forced bits QEMU with KVM
    /// drops at start when this host's KVM does not provide them (`request-dropped`).
    static func domain(
        name: String, uuid: String = UUID().uuidString.lowercased(), force: [String],
        live: Bool = true
    ) -> String {
        let domain = """
            <domain type='kvm'>
              <name>\(name)</name>
              <uuid>\(uuid)</uuid>
              <memory unit='KiB'>65536</memory>
              <cpu mode='custom' match='exact' check='partial'>
                <model fallback='forbid'>Cascadelake-Server-v2</model>
            \(force.map { "    <feature policy='force' name='\($0)'/>" }.joined(separator: "\n"))
              </cpu>
            </domain>

            """
        guard live else { return domain }
        return "<domstatus state='running' reason='booted'>\n" + domain + "</domstatus>\n"
    }

    /// Writes a file the way libvirt does: a temporary name, then rename over the real one.
    func put(_ name: String, _ text: String) {
        let tmp = guests + "/" + name + ".new"
        _ = FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8))
        rename(tmp, guests + "/" + name)
    }
}
