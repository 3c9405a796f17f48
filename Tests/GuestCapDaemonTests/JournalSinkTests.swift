import Foundation
import GuestCapCore
import Logging
import SystemPackage
import Testing
@testable import GuestCapDaemon

@Suite struct JournalSinkTests {
    static func finding(path: String, name: String) throws -> FindingRecord {
        FindingRecord(
            findingID: "f" + String(repeating: "0", count: 31), subject: "libvirt:path:\(path)",
            rule: .unjustifiedImmunity, severity: .critical,
            bits: try CapabilitySet(names: ["mds-no", "taa-no"]), state: .open,
            message: "told mds-no, taa-no but this host is affected (mds: 'Vulnerable')",
            guestName: name, guestUUID: "0b5e2a3c-1111-2222-3333-444455556666", source: .libvirt,
            configPath: path, guestValue: CapabilitySet(rawValue: 0x1a0),
            justifiedValue: CapabilitySet(rawValue: 0xeb), hostValue: CapabilitySet(rawValue: 0xab),
            origins: [ConfigOrigin("<feature policy='force' name='mds-no'/>", line: 12)])
    }

    @Test func openedEntryReadsBackWithEveryField() async throws {
        let name = Shell.marker()
        let path = "/tmp/\(name)/\(name).xml"
        let sink = JournalSink(logger: Logger(label: "test"))
        let entry = JournalEntry.transition(
            .opened, finding: try Self.finding(path: path, name: name), transitionID: "42")
        #expect(sink.send(entry))
        let found = try await JournalReader.wait(["GUESTCAP_GUEST_NAME=\(name)"], count: 1)
        try #require(found.count == 1)
        let e = found[0]
        #expect(e["MESSAGE_ID"] == "cc1d99c814a045468b3df9ff627be459")
        #expect(e["PRIORITY"] == "2")
        #expect(e["SYSLOG_IDENTIFIER"] == "guestcap")
        #expect(e["GUESTCAP_RULE"] == "unjustified-immunity")
        #expect(e["GUESTCAP_SEVERITY"] == "critical")
        #expect(e["GUESTCAP_EVENT"] == "opened")
        #expect(e["GUESTCAP_STATE"] == "open")
        #expect(e["GUESTCAP_GUEST_UUID"] == "0b5e2a3c-1111-2222-3333-444455556666")
        #expect(e["GUESTCAP_SOURCE"] == "libvirt")
        #expect(e["GUESTCAP_CONFIG_PATH"] == path)
        #expect(e["GUESTCAP_BITS"] == "mds-no,taa-no")
        // journald keeps a repeated field's values in the order of their data objects in the
        // journal file, not the order sent: a GUESTCAP_BIT=taa-no logged earlier comes first.
        #expect(e.all("GUESTCAP_BIT").sorted() == ["mds-no", "taa-no"])
        #expect(e["GUESTCAP_GUEST_VALUE"] == CapabilitySet(rawValue: 0x1a0).hex)
        #expect(e["GUESTCAP_JUSTIFIED_VALUE"] == CapabilitySet(rawValue: 0xeb).hex)
        #expect(e["GUESTCAP_HOST_VALUE"] == CapabilitySet(rawValue: 0xab).hex)
        #expect(e["GUESTCAP_FINDING_ID"] == "f" + String(repeating: "0", count: 31))
        #expect(e["GUESTCAP_TRANSITION_ID"] == "42")
        #expect(e["MESSAGE"]?.contains("told mds-no, taa-no") == true)
        // The bit match an operator uses finds it.
        let byBit = try await JournalReader.entries(["GUESTCAP_BIT=taa-no", "GUESTCAP_GUEST_NAME=\(name)"])
        #expect(byBit.count == 1)
    }

    /// A migration finding carries its direction (`journalctl GUESTCAP_DIRECTION=incoming`);
    /// other findings have no such field.
    @Test func migrationEntriesCarryTheirDirection() async throws {
        let name = Shell.marker()
        let sink = JournalSink(logger: Logger(label: "test"))
        var f = try Self.finding(path: "/tmp/\(name).xml", name: name)
        #expect(sink.send(.transition(.opened, finding: f, transitionID: "1")))
        f.rule = .migrationUnsafe
        f.severity = .error
        f.pool = "maint"
        f.poolHost = "kvm-02"
        for (i, direction) in MigrationDirection.allCases.enumerated() {
            f.direction = direction
            #expect(sink.send(.transition(.opened, finding: f, transitionID: "\(i + 2)")))
        }
        let found = try await JournalReader.wait(["GUESTCAP_GUEST_NAME=\(name)"], count: 3)
        try #require(found.count == 3)
        #expect(found.map { $0["GUESTCAP_DIRECTION"] } == [nil, "outgoing", "incoming"])
        #expect(found[2]["MESSAGE_ID"] == MessageID.opened(.migrationUnsafe).id)
        let incoming = try await JournalReader.entries(["GUESTCAP_DIRECTION=incoming", "GUESTCAP_GUEST_NAME=\(name)"])
        #expect(incoming.map { $0["GUESTCAP_TRANSITION_ID"] } == ["3"])
    }

    @Test func resolvedAndWaivedUseTheSharedIDs() async throws {
        let name = Shell.marker()
        var f = try Self.finding(path: "/tmp/\(name).xml", name: name)
        let sink = JournalSink(logger: Logger(label: "test"))
        #expect(sink.send(.transition(.resolved, finding: f, transitionID: "1")))
        f.state = .waived
        f.waiverReason = "vendor says safe"
        f.waiverExpires = "2027-01-31"
        #expect(sink.send(.transition(.waived, finding: f, transitionID: "2")))
        #expect(sink.send(.transition(.waiverExpired, finding: f, transitionID: "3")))
        let found = try await JournalReader.wait(["GUESTCAP_GUEST_NAME=\(name)"], count: 3)
        try #require(found.count == 3)
        #expect(
            found.map { $0["MESSAGE_ID"] } == [MessageID.resolved.id, MessageID.waived.id, MessageID.waiverExpired.id])
        #expect(found.map { $0["PRIORITY"] } == ["5", "5", "2"])
        #expect(found.map { $0["GUESTCAP_STATE"] } == ["resolved", "waived", "open"])
        #expect(found[1]["GUESTCAP_WAIVER_REASON"] == "vendor says safe")
        #expect(found[1]["GUESTCAP_WAIVER_EXPIRES"] == "2027-01-31")
    }

    @Test func lifecycleEntries() async throws {
        let marker = Shell.marker()
        let sink = JournalSink(logger: Logger(label: "test"))
        #expect(sink.send(.policyRejected(file: "/tmp/\(marker)/policy.toml", error: "line 3: unknown key 'sevrity'")))
        let found = try await JournalReader.wait(["GUESTCAP_CONFIG_PATH=/tmp/\(marker)/policy.toml"], count: 1)
        try #require(found.count == 1)
        #expect(found[0]["MESSAGE_ID"] == MessageID.policyRejected.id)
        #expect(found[0]["GUESTCAP_ERROR"] == "line 3: unknown key 'sevrity'")
    }

    @Test("host-changed names the host as its exports do: hostname, machine id, MSR status")
    func hostChangedNamesTheHost() {
        let e = JournalEntry.hostChanged(
            hostname: "kvm-clx-01", snapshotID: "3", changeID: "c-1", changes: [],
            hardware: CapabilitySet(rawValue: 0xab), justified: CapabilitySet(rawValue: 0xeb),
            previousJustified: nil, microcode: "0x5003707", kernel: "6.1.0",
            machineID: "c1a5cade000000000000000000000001", msrStatus: "ok")
        #expect(e["GUESTCAP_HOSTNAME"] == "kvm-clx-01")
        #expect(e["GUESTCAP_MACHINE_ID"] == "c1a5cade000000000000000000000001")
        #expect(e["GUESTCAP_MSR_STATUS"] == "ok")
        let bare = JournalEntry.hostChanged(
            hostname: "h", snapshotID: "1", changeID: "c", changes: [],
            hardware: [], justified: [], previousJustified: nil, microcode: nil,
            kernel: nil, machineID: "")
        #expect(bare["GUESTCAP_MACHINE_ID"] == nil && bare["GUESTCAP_MSR_STATUS"] == nil)
    }

    /// A transport that is down, like journald after `start-journald.sh --stop`.
    struct DownJournal: JournalTransport {
        func send(_ entry: JournalEntry) throws(JournalError) {
            throw JournalError(errno: .connectionRefused, what: entry.message)
        }
    }

    @Test func unreachableJournalFallsBackToStderrAndReportsFailure() throws {
        let captured = LogCapture()
        let sink = JournalSink(transport: DownJournal(), logger: captured.logger)
        let f = try Self.finding(path: "/tmp/x.xml", name: "down-guest")
        #expect(!sink.send(.transition(.opened, finding: f, transitionID: "7")))
        #expect(!sink.send(.transition(.resolved, finding: f, transitionID: "8")))
        #expect(sink.isFailing)
        let lines = captured.lines
        #expect(lines.filter { $0.contains("journal unreachable") }.count == 1, "said once: \(lines)")
        #expect(lines.contains { $0.contains("told mds-no") && $0.contains("GUESTCAP_TRANSITION_ID=7") })
    }
}
