import Foundation
import Glibc
import GuestCapStore
import Testing
@testable import GuestCapDaemon

/// `guestcap daemon` as a process against the real journald, real inotify and real SQLite;
/// entries are read back with `journalctl -o json`.
@Suite(.serialized) struct DaemonEndToEndTests {
    static let immunity = MessageID.opened(.unjustifiedImmunity).id

    /// Waits until a sentinel guest's entry shows up: everything done before it was processed.
    static func settle(_ world: DaemonWorld) async throws {
        let sentinel = Shell.marker()
        world.put("\(sentinel).xml", DaemonWorld.domain(name: sentinel, force: ["taa-no"]))
        let seen = try await JournalReader.wait(
            ["GUESTCAP_GUEST_NAME=\(sentinel)", "MESSAGE_ID=\(immunity)"], count: 1)
        #expect(seen.count == 1, "sentinel \(sentinel) processed")
    }

    @Test func openResolveNothingTwiceAcrossRescansAndRestart() async throws {
        _ = JournalReader.ensureRunning
        let w = try DaemonWorld()
        let name = w.marker
        let daemon = try w.start()
        #expect(await daemon.waitReady(), "READY=1; log: \(daemon.log)")
        #expect(daemon.notify.messages.contains { $0.contains("STATUS=0 guests, 0 violating") })

        // A guest appears violating: one entry with the rule's MESSAGE_ID.
        w.put(
            "\(name).xml",
            DaemonWorld.domain(name: name, uuid: "6a0c5f3e-0000-4000-8000-000000000001", force: ["taa-no"]))
        let opened = try await JournalReader.wait(
            ["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(Self.immunity)"], count: 1)
        try #require(opened.count == 1, "log: \(daemon.log)")
        let e = opened[0]
        #expect(e["PRIORITY"] == "2")
        #expect(e["SYSLOG_IDENTIFIER"] == "guestcap")
        #expect(e["GUESTCAP_EVENT"] == "opened")
        #expect(e["GUESTCAP_RULE"] == "unjustified-immunity")
        #expect(e["GUESTCAP_SEVERITY"] == "critical")
        #expect(e["GUESTCAP_STATE"] == "open")
        #expect(e["GUESTCAP_GUEST_UUID"] == "6a0c5f3e-0000-4000-8000-000000000001")
        #expect(e["GUESTCAP_SOURCE"] == "libvirt-live")
        #expect(e["GUESTCAP_CONFIG_PATH"] == w.guests + "/\(name).xml")
        #expect(e["GUESTCAP_BITS"] == "taa-no")
        #expect(e.all("GUESTCAP_BIT") == ["taa-no"])
        #expect(e["GUESTCAP_JUSTIFIED_VALUE"] == "0x000000000c0000eb")
        #expect(e["GUESTCAP_HOST_VALUE"] == "0x00000000000000ab")
        #expect(e["GUESTCAP_GUEST_VALUE"] != nil)
        #expect(e["GUESTCAP_FINDING_ID"]?.count == 32)
        #expect(e["GUESTCAP_TRANSITION_ID"]?.count == 36)
        #expect(await daemon.notify.wait(for: "violating"))

        // Edited to comply: one resolved entry for that finding.
        w.put(
            "\(name).xml",
            DaemonWorld.domain(name: name, uuid: "6a0c5f3e-0000-4000-8000-000000000001", force: ["mds-no"]))
        let resolved = try await JournalReader.wait(
            [
                "GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(MessageID.resolved.id)",
                "GUESTCAP_RULE=unjustified-immunity",
            ], count: 1)
        try #require(resolved.count == 1)
        #expect(resolved[0]["GUESTCAP_FINDING_ID"] == e["GUESTCAP_FINDING_ID"])
        #expect(resolved[0]["GUESTCAP_STATE"] == "resolved")
        let before = try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)"]).count

        // Unchanged rewrites, a mode change, a reload (full re-evaluation): nothing new.
        w.put(
            "\(name).xml",
            DaemonWorld.domain(name: name, uuid: "6a0c5f3e-0000-4000-8000-000000000001", force: ["mds-no"]))
        chmod(w.guests + "/\(name).xml", 0o600)
        daemon.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        try await Self.settle(w)
        #expect(try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)"]).count == before)

        #expect(await daemon.stop() == 0)
        #expect(daemon.notify.messages.contains { $0.contains("STOPPING=1") })

        // A restart re-logs nothing that was already logged.
        let again = try w.start()
        #expect(await again.waitReady(), "log: \(again.log)")
        try await Self.settle(w)
        #expect(try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)"]).count == before)
        let started = try again.entries(["MESSAGE_ID=\(MessageID.daemonStarted.id)"])
        #expect(started.count == 1)
        #expect(await again.stop() == 0)
        let stopping = try again.entries(["MESSAGE_ID=\(MessageID.daemonStopping.id)"])
        #expect(stopping.count == 1)
    }

    @Test func hostVerdictChangeLogsHostChangedAndReEvaluates() async throws {
        let w = try DaemonWorld()
        let name = w.marker
        // rfds-no is justified by the kernel's "Not affected" verdict on this host.
        w.put("\(name).xml", DaemonWorld.domain(name: name, force: ["rfds-no"]))
        let daemon = try w.start()
        #expect(await daemon.waitReady(), "log: \(daemon.log)")
        #expect(
            try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(Self.immunity)"]).isEmpty)

        let verdict = w.hostRoot + "/sys/devices/system/cpu/vulnerabilities/reg_file_data_sampling"
        try "Vulnerable: No microcode\n".write(toFile: verdict, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)  // re-sample now
        // The first state seen (new database), then the change.
        var changed = try await daemon.wait(["MESSAGE_ID=\(MessageID.hostChanged.id)"], count: 2)
        try #require(changed.count == 2, "log: \(daemon.log)")
        #expect(changed[0]["GUESTCAP_PREVIOUS_JUSTIFIED_VALUE"] == nil)
        changed.removeFirst()
        #expect(changed[0]["GUESTCAP_PREVIOUS_JUSTIFIED_VALUE"] == "0x000000000c0000eb")
        #expect(changed[0]["GUESTCAP_JUSTIFIED_VALUE"] == "0x00000000040000eb")
        #expect(changed[0]["MESSAGE"]?.contains("lost rfds-no") == true)
        let opened = try await JournalReader.wait(
            ["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(Self.immunity)"], count: 1)
        try #require(opened.count == 1)
        #expect(opened[0].all("GUESTCAP_BIT") == ["rfds-no"])
        #expect(await daemon.stop() == 0)
    }

    @Test func unreadableConfigKeepsItsFindingsOpen() async throws {
        let w = try DaemonWorld()
        let name = w.marker
        let uuid = UUID().uuidString.lowercased()
        let daemon = try w.start()
        #expect(await daemon.waitReady())
        w.put("\(name).xml", DaemonWorld.domain(name: name, uuid: uuid, force: ["taa-no"]))
        _ = try await JournalReader.wait(["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(Self.immunity)"], count: 1)
        w.put("\(name).xml", "<domain><name>\(name)</name><cpu mode='custom'")
        let unreadable = try await JournalReader.wait(
            [
                "GUESTCAP_CONFIG_PATH=\(w.guests)/\(name).xml",
                "MESSAGE_ID=\(MessageID.configUnreadable.id)",
            ], count: 1)
        try #require(unreadable.count == 1, "log: \(daemon.log)")
        #expect(unreadable[0]["GUESTCAP_ERROR"]?.isEmpty == false)
        try await Self.settle(w)
        let resolved = try await JournalReader.entries([
            "GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(MessageID.resolved.id)",
        ])
        #expect(resolved.isEmpty, "an unreadable file is no all-clear")
        // Fixed: config-unreadable resolves, the violation stays (it is still true).
        w.put("\(name).xml", DaemonWorld.domain(name: name, uuid: uuid, force: ["taa-no"]))
        let fixed = try await JournalReader.wait(
            [
                "GUESTCAP_CONFIG_PATH=\(w.guests)/\(name).xml",
                "MESSAGE_ID=\(MessageID.resolved.id)",
            ], count: 1)
        #expect(fixed.map { $0["GUESTCAP_RULE"] } == ["config-unreadable"])
        #expect(await daemon.stop() == 0)
    }

    @Test func brokenPolicyOnReloadIsRejectedAndTheDaemonKeepsRunning() async throws {
        let w = try DaemonWorld()
        let policy = w.dir + "/policy.toml"
        try "[rules.missed-immunity]\nenabled = false\n".write(toFile: policy, atomically: true, encoding: .utf8)
        let daemon = try w.start(["--policy", policy])
        #expect(await daemon.waitReady(), "log: \(daemon.log)")
        try "[rules.missed-immunity]\nenabeld = false\n".write(toFile: policy, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        let rejected = try await daemon.wait(["MESSAGE_ID=\(MessageID.policyRejected.id)"], count: 1)
        try #require(rejected.count == 1)
        #expect(rejected[0]["GUESTCAP_ERROR"]?.contains("enabeld") == true)
        #expect(rejected[0]["GUESTCAP_ERROR"]?.contains("policy.toml:2") == true)
        try await Self.settle(w)
        #expect(await daemon.stop() == 0)
    }

    @Test func watchdogIsPingedAtHalfTheInterval() async throws {
        let w = try DaemonWorld()
        let daemon = try w.start(environment: ["WATCHDOG_USEC": "400000"])
        #expect(await daemon.waitReady())
        func pings() -> Int { daemon.notify.messages.filter { $0.contains("WATCHDOG=1") }.count }
        // Counted against the time that really passed: a loaded machine oversleeps.
        let before = pings()
        let start = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(900))
        let n = pings() - before
        let elapsed = ContinuousClock.now - start
        let expected = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let beats = Int(expected / 0.2)
        #expect(n >= beats - 2 && n <= beats + 2, "\(n) pings in \(elapsed) at 0.2 s")
        #expect(await daemon.stop() == 0)
    }

    @Test func missingWatchedDirectoryIsWaitedFor() async throws {
        let w = try DaemonWorld()
        let later = w.dir + "/run/libvirt/qemu"
        let daemon = try DaemonProcess(
            arguments: [
                "--config", w.config, "--host-root", w.hostRoot, "--database", w.database,
                "--watch", "libvirt-live=\(later)",
            ], workDir: w.dir)
        #expect(await daemon.waitReady())
        try FileManager.default.createDirectory(atPath: later, withIntermediateDirectories: true)
        let name = w.marker
        let tmp = later + "/\(name).xml.new"
        try DaemonWorld.domain(name: name, force: ["taa-no"]).write(toFile: tmp, atomically: false, encoding: .utf8)
        rename(tmp, later + "/\(name).xml")
        let opened = try await JournalReader.wait(
            ["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(Self.immunity)"], count: 1)
        #expect(opened.count == 1, "log: \(daemon.log)")
        #expect(opened.first?["GUESTCAP_SOURCE"] == "libvirt-live")
        #expect(await daemon.stop() == 0)
    }

    /// With a process scan configured, a running QEMU under `<host-root>/proc` is audited from
    /// its command line, and its finding resolves once the process is gone. It asks for taa-no
    /// with KVM on a host whose KVM does not provide it: QEMU dropped the bit at start, so the
    /// guest is not told it (policy-model §2) and the finding is `request-dropped`, not a claim.
    @Test func runningQEMUProcessesAreScanned() async throws {
        let w = try DaemonWorld()
        let name = w.marker
        let pidDir = w.hostRoot + "/proc/4242"
        try FileManager.default.createDirectory(atPath: pidDir, withIntermediateDirectories: true)
        let argv = [
            "/usr/bin/qemu-system-x86_64", "-name", "guest=\(name),debug-threads=on",
            "-uuid", "6a0c5f3e-0000-4000-8000-0000000042aa", "-machine", "q35,accel=kvm",
            "-cpu", "Cascadelake-Server-v2,taa-no=on", "-m", "1024",
        ]
        try Data(argv.map { $0 + "\0" }.joined().utf8).write(to: URL(fileURLWithPath: pidDir + "/cmdline"))
        let daemon = try w.start(["--process-scan-interval", "1"])
        #expect(await daemon.waitReady(), "log: \(daemon.log)")
        let dropped = MessageID.opened(.requestDropped).id
        let opened = try await JournalReader.wait(["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(dropped)"], count: 1)
        try #require(opened.count == 1, "log: \(daemon.log)")
        #expect(opened[0]["GUESTCAP_SOURCE"] == "qemu")
        #expect(opened[0]["GUESTCAP_CONFIG_PATH"] == pidDir + "/cmdline")
        #expect(opened[0]["GUESTCAP_BITS"] == "taa-no")
        #expect(opened[0]["PRIORITY"] == "5", "notice: QEMU without enforce drops the bit and starts")
        #expect(
            try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(Self.immunity)"]).isEmpty,
            "not told taa-no, so no unjustified claim")

        // The process exits: the next scan resolves its finding.
        try FileManager.default.removeItem(atPath: pidDir)
        let resolved = try await JournalReader.wait(
            [
                "GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(MessageID.resolved.id)",
                "GUESTCAP_RULE=request-dropped",
            ], count: 1)
        #expect(resolved.count == 1, "log: \(daemon.log)")
        #expect(resolved.first?["GUESTCAP_FINDING_ID"] == opened[0]["GUESTCAP_FINDING_ID"])
        #expect(await daemon.stop() == 0)
    }

    /// SIGHUP with a configuration that watches another directory: the old directory's guests
    /// leave (their findings resolve), the new one's are audited, the old one is no longer watched.
    @Test func reloadMovesTheWatchToAnotherDirectory() async throws {
        let w = try DaemonWorld()
        let other = w.dir + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        func watching(_ dir: String) throws {
            try (w.configHead + "[[watch]]\nkind = \"libvirt\"\ndirectory = \"\(dir)\"\n").write(
                toFile: w.config, atomically: true, encoding: .utf8)
        }
        func putOther(_ name: String) {
            let tmp = other + "/\(name).xml.new"
            _ = FileManager.default.createFile(
                atPath: tmp, contents: Data(DaemonWorld.domain(name: name, force: ["taa-no"]).utf8))
            rename(tmp, other + "/\(name).xml")
        }
        try watching(w.guests)
        let first = w.marker + "-a"
        w.put("\(first).xml", DaemonWorld.domain(name: first, force: ["taa-no"]))
        let daemon = try DaemonProcess(
            arguments: ["--config", w.config, "--host-root", w.hostRoot, "--database", w.database],
            workDir: w.dir)
        #expect(await daemon.waitReady(), "log: \(daemon.log)")
        #expect(
            try await JournalReader.wait(["GUESTCAP_GUEST_NAME=\(first)", "MESSAGE_ID=\(Self.immunity)"], count: 1)
                .count == 1)

        try watching(other)
        daemon.signal(SIGHUP)
        let resolved = try await JournalReader.wait(
            [
                "GUESTCAP_GUEST_NAME=\(first)", "MESSAGE_ID=\(MessageID.resolved.id)",
                "GUESTCAP_RULE=unjustified-immunity",
            ], count: 1)
        #expect(resolved.count == 1, "log: \(daemon.log)")

        let third = w.marker + "-c"
        w.put("\(third).xml", DaemonWorld.domain(name: third, force: ["taa-no"]))
        let second = w.marker + "-b"
        putOther(second)
        let opened = try await JournalReader.wait(
            ["GUESTCAP_GUEST_NAME=\(second)", "MESSAGE_ID=\(Self.immunity)"], count: 1)
        #expect(opened.count == 1, "log: \(daemon.log)")
        // A second sentinel in the new directory: everything written before it was seen.
        let sentinel = w.marker + "-s"
        putOther(sentinel)
        _ = try await JournalReader.wait(["GUESTCAP_GUEST_NAME=\(sentinel)", "MESSAGE_ID=\(Self.immunity)"], count: 1)
        #expect(try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(third)"]).isEmpty)
        // The store agrees: the first guest is gone, the new directory's are present.
        let present = Set(try HistoryStore(path: w.database, readOnly: true).knownGuests().compactMap(\.name))
        #expect(present == [second, sentinel])
        #expect(await daemon.stop() == 0)
    }
}
