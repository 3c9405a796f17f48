import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapDaemon
import Logging

/// `guestcap daemon`: the always-on service (see docs/daemon.md).
struct DaemonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Keep every guest's verdict current and log changes to the systemd journal.",
        discussion: """
            Watches the configured directories with inotify, re-reads the host every sample interval \
            and on SIGHUP, and logs each finding once when it opens, resolves, is waived or its waiver \
            expires. SIGHUP reloads the configuration and the policy (a broken file keeps the old one); \
            SIGTERM finishes the current evaluation and stops. Configuration: /etc/guestcap/guestcap.toml; \
            the flags below override it.
            """
    )

    @Option(
        help: ArgumentHelp("Read this configuration file instead of /etc/guestcap/guestcap.toml.", valueName: "file"))
    var config: String?

    @Option(
        help: ArgumentHelp("Read host facts only below this directory (not the watched directories).", valueName: "dir")
    )
    var hostRoot: String?

    @Option(help: ArgumentHelp("The policy file.", valueName: "file"))
    var policy: String?

    @Option(help: ArgumentHelp("The history database.", valueName: "file"))
    var database: String?

    @Option(
        help: ArgumentHelp(
            "Watch a directory (repeatable; replaces the configured ones). Kinds: libvirt, libvirt-live, qemu, firecracker.",
            valueName: "kind=dir"))
    var watch: [String] = []

    @Option(parsing: .unconditional, help: ArgumentHelp("Re-read the host every N seconds.", valueName: "seconds"))
    var sampleInterval: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "List running QEMU processes under <host-root>/proc every N seconds (0: never).", valueName: "seconds"))
    var processScanInterval: Int?

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Largest configuration file read, in bytes (max_config_bytes in the configuration; default 4 MiB).",
            valueName: "bytes"))
    var maxConfigBytes: Int?

    @Option(
        help:
            "The daemon's own diagnostics from this level up (trace, debug, info, notice, warning, error, critical): to the journal when systemd connects standard error to it, else to standard error."
    )
    var logLevel: String = "info"

    func validate() throws {
        for w in watch where WatchedSource(argument: w) == nil {
            throw ValidationError(
                "--watch '\(w)': use KIND=DIR with KIND one of libvirt, libvirt-live, qemu, firecracker")
        }
        if let s = sampleInterval, s < 1 { throw ValidationError("--sample-interval must be at least 1 second") }
        if let s = processScanInterval, s < 0 { throw ValidationError("--process-scan-interval must be 0 or more") }
        if let n = maxConfigBytes, n < 1 { throw ValidationError("--max-config-bytes must be positive") }
        if Logger.Level(rawValue: logLevel) == nil { throw ValidationError("--log-level '\(logLevel)' is not a level") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        // Under systemd, natively to the journal (PRIORITY from the level); systemd would file
        // every standard error line at info.
        let toJournal = JournalLogHandler.stderrIsJournal(environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            if toJournal { return JournalLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "guestcap")
        var overrides = DaemonOverrides()
        overrides.configFile = config
        overrides.hostRoot = hostRoot
        overrides.policy = policy
        overrides.database = database
        overrides.watch = watch.compactMap(WatchedSource.init(argument:))
        overrides.sampleInterval = sampleInterval.map { .seconds($0) }
        overrides.processScanInterval = processScanInterval.map { .seconds($0) }
        overrides.maxConfigBytes = maxConfigBytes
        do {
            try await Daemon.run(overrides: overrides, version: GuestCap.version, logger: logger)
        } catch let error as Daemon.StartError {
            printError("guestcap daemon: \(error)")
            throw ExitCode(2)
        }
    }
}
