import Foundation
import Testing
import GuestCapCore
@testable import GuestCapDaemon

/// The daemon against a real libvirtd: `virsh define`, `start`, `destroy`, `undefine` of a TCG
/// guest drive its findings through libvirt's own files in /etc/libvirt/qemu (persistent) and
/// /run/libvirt/qemu (live). scripts/test.sh starts libvirtd and sets GUESTCAP_E2E_LIBVIRT=1.
@Suite(
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["GUESTCAP_E2E_LIBVIRT"] == "1",
        "needs libvirtd: run scripts/test.sh (not --quick)"))
struct LibvirtEndToEndTests {
    static let script = Shell.packageRoot + "/scripts/libvirt-domain.sh"
    static let dropped = MessageID.opened(.requestDropped).id
    static let hidden = MessageID.opened(.msrHidden).id

    func virsh(_ args: String...) throws {
        let r = try Shell.run(Self.script, args)
        #expect(r.status == 0, "libvirt-domain.sh \(args.joined(separator: " ")): \(r.stderr)")
    }

    /// A TCG guest forcing taa-no: the persistent file asks for it and QEMU drops it
    /// (request-dropped); the running guest reads no MSR at all (msr-hidden in the live file).
    @Test func defineStartDestroyUndefineDriveTheFindings() async throws {
        let w = try DaemonWorld()
        let name = "gcd-" + w.marker
        let snippet = w.dir + "/cpu.xml"
        try """
        <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>Cascadelake-Server</model>\
        <feature policy='require' name='arch-capabilities'/><feature policy='force' name='taa-no'/></cpu>
        """.write(toFile: snippet, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(
            arguments: [
                "--config", w.config, "--host-root", w.hostRoot, "--database", w.database,
                "--watch", "libvirt=/etc/libvirt/qemu",
                "--watch", "libvirt-live=/run/libvirt/qemu",
            ], workDir: w.dir)
        defer { _ = try? Shell.run(Self.script, ["cleanup", name]) }
        #expect(await daemon.waitReady(), "log: \(daemon.log)")
        func entries(_ id: String, _ rule: Rule, _ source: String) throws -> [JournalReader.Entry] {
            try JournalReader.entries([
                "GUESTCAP_GUEST_NAME=\(name)", "MESSAGE_ID=\(id)", "GUESTCAP_RULE=\(rule.rawValue)",
                "GUESTCAP_SOURCE=\(source)",
            ])
        }
        func wait(_ id: String, _ rule: Rule, _ source: String, _ count: Int) async throws -> Int {
            let deadline = ContinuousClock.now + .seconds(60)
            var n = try entries(id, rule, source).count
            while n < count && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                n = try entries(id, rule, source).count
            }
            return n
        }

        try virsh("define", name, snippet)
        #expect(
            try await wait(Self.dropped, .requestDropped, "libvirt", 1) == 1,
            "define opens request-dropped for the persistent file; log: \(daemon.log)")
        let opened = try entries(Self.dropped, .requestDropped, "libvirt")
        #expect(opened.first?["GUESTCAP_CONFIG_PATH"] == "/etc/libvirt/qemu/\(name).xml")
        #expect(opened.first?.all("GUESTCAP_BIT") == ["taa-no"])
        #expect(opened.first?["PRIORITY"] == "5")
        #expect(
            try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)", "GUESTCAP_RULE=unjustified-immunity"])
                .isEmpty,
            "QEMU with TCG tells the guest nothing: no claim to report")

        try virsh("start", name)
        #expect(
            try await wait(Self.hidden, .msrHidden, "libvirt-live", 1) == 1, "the running guest cannot read the MSR")
        #expect(
            try entries(Self.hidden, .msrHidden, "libvirt-live").first?["GUESTCAP_CONFIG_PATH"]
                == "/run/libvirt/qemu/\(name).xml")

        try virsh("destroy", name)
        #expect(
            try await wait(MessageID.resolved.id, .msrHidden, "libvirt-live", 1) == 1,
            "destroy resolves the live finding")
        #expect(try entries(MessageID.resolved.id, .requestDropped, "libvirt").isEmpty, "the persistent one stays")

        try virsh("undefine", name)
        #expect(
            try await wait(MessageID.resolved.id, .requestDropped, "libvirt", 1) == 1,
            "undefine resolves the persistent finding")
        // Each state was logged exactly once.
        #expect(try entries(Self.dropped, .requestDropped, "libvirt").count == 1)
        #expect(try entries(Self.hidden, .msrHidden, "libvirt-live").count == 1)
        #expect(
            try await JournalReader.entries(["GUESTCAP_GUEST_NAME=\(name)", "GUESTCAP_RULE=unjustified-immunity"])
                .isEmpty)
        #expect(await daemon.stop() == 0)
    }
}
