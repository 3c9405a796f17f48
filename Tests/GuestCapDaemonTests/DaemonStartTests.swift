import Foundation
import Glibc
import GuestCapSources
import Testing
@testable import GuestCapDaemon

/// What `guestcap daemon` checks and creates before it says READY=1.
@Suite(.serialized) struct DaemonStartTests {
    @Test("the database folder the daemon creates is 0700, as docs/history.md promises")
    func databaseFolderIsPrivate() async throws {
        let w = try DaemonWorld()
        defer { try? FileManager.default.removeItem(atPath: w.dir) }
        let folder = (w.database as NSString).deletingLastPathComponent
        #expect(!FileManager.default.fileExists(atPath: folder))
        let daemon = try w.start()
        #expect(await daemon.waitReady(), "READY=1; log: \(daemon.log)")
        await daemon.stop()
        let mode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
        #expect(mode == 0o700, "\(String(mode ?? 0, radix: 8))")
    }

    @Test("a host root without any host file stops the daemon before READY=1, exit 2, naming what is missing")
    func badHostRoot() async throws {
        let w = try DaemonWorld()
        defer { try? FileManager.default.removeItem(atPath: w.dir) }
        let empty = w.dir + "/not-a-host"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let daemon = try w.start(["--host-root", empty])
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 2)
        #expect(daemon.log.contains("the host root \(empty) holds none of the host files"), "\(daemon.log)")
        #expect(!daemon.notify.messages.contains { $0.contains("READY=1") })
    }

    @Test("max_config_bytes: read from the configuration, overridden by --max-config-bytes, refused when not positive")
    func maxConfigBytes() throws {
        let dir = Shell.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/guestcap.toml"
        try "max_config_bytes = 65536\n".write(toFile: file, atomically: true, encoding: .utf8)
        var overrides = DaemonOverrides()
        overrides.configFile = file
        #expect(try overrides.resolve().readLimits == ReadLimits(maxBytes: 65536))
        overrides.maxConfigBytes = 16
        #expect(try overrides.resolve().maxConfigBytes == 16)
        #expect(DaemonConfiguration().maxConfigBytes == ReadLimits().maxBytes)
        try "max_config_bytes = 0\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: DaemonConfigurationError.self) { try DaemonOverrides(configFile: file).resolve() }
    }

    @Test("the auditor reads guest files within the configured limit, and the message names max_config_bytes")
    func auditorUsesTheLimit() throws {
        var config = DaemonConfiguration()
        config.maxConfigBytes = 16
        let dir = Shell.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try String(repeating: "x", count: 64).write(toFile: dir + "/big.xml", atomically: true, encoding: .utf8)
        let outcome = GuestConfigLoader(limits: config.readLimits).load(path: dir + "/big.xml")
        guard case .unreadable(_, _, let error)? = outcome.first else {
            Issue.record("expected an unreadable outcome, got \(outcome)")
            return
        }
        #expect("\(error)".contains("over the 16-byte limit") && "\(error)".contains("max_config_bytes"))
    }
}

extension DaemonOverrides {
    init(configFile: String) {
        self.init()
        self.configFile = configFile
    }
}
