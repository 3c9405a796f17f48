import Foundation
import GuestCapCore
@testable import GuestCapReport
import Testing

/// How guestcap's journal entries become each host's state (``JournalReplay``), without a journal.
@Suite("journal replay")
struct JournalReplayTests {
    var clock = Date(timeIntervalSince1970: 1_796_450_000)

    mutating func entry(_ fields: [String: String], machine: String = "m1") -> JournalReplay.Entry {
        clock += 1
        return .init(
            time: clock, fields: fields.merging(["_MACHINE_ID": machine, "_HOSTNAME": "jd-" + machine]) { a, _ in a })
    }

    func transition(
        _ event: String, _ rule: Rule, _ severity: Severity, _ state: FindingState, guest: String,
        id: String, transition: String
    ) -> [String: String] {
        [
            "GUESTCAP_EVENT": event, "GUESTCAP_RULE": rule.rawValue, "GUESTCAP_SEVERITY": severity.rawValue,
            "GUESTCAP_STATE": state.rawValue, "GUESTCAP_SOURCE": "libvirt", "GUESTCAP_GUEST_NAME": guest,
            "GUESTCAP_CONFIG_PATH": "/etc/libvirt/qemu/\(guest).xml", "GUESTCAP_FINDING_ID": id,
            "GUESTCAP_TRANSITION_ID": transition,
        ]
    }

    @Test("each guest's status is the worst it had: violating once open at error, else unreadable, else waived")
    mutating func worstStatus() throws {
        var r = JournalReplay()
        r.add(entry(["GUESTCAP_EVENT": "daemon-started", "GUESTCAP_GUESTS": "2"]))
        r.add(entry(["GUESTCAP_EVENT": "daemon-started", "GUESTCAP_GUESTS": "9"]))
        r.add(
            entry(
                transition("opened", .unjustifiedImmunity, .critical, .open, guest: "fixed", id: "a", transition: "1")))
        r.add(
            entry(
                transition(
                    "resolved", .unjustifiedImmunity, .critical, .resolved, guest: "fixed", id: "a", transition: "2")))
        r.add(
            entry(
                transition(
                    "waived", .unjustifiedMitigation, .critical, .waived, guest: "excused", id: "b", transition: "3")))
        r.add(
            entry(transition("opened", .configUnreadable, .warning, .open, guest: "broken", id: "c", transition: "4")))
        r.add(entry(transition("opened", .missedImmunity, .info, .open, guest: "slow", id: "d", transition: "5")))
        let inputs = r.inputs()
        try #require(inputs.count == 1)
        let status = Dictionary(uniqueKeysWithValues: inputs[0].guests.map { ($0.name!, $0.status) })
        #expect(status == ["fixed": .violating, "excused": .waived, "broken": .unreadable, "slow": .compliant])
        // The latest start's count (9): the four named, five more never named.
        #expect(inputs[0].summary.guests == 9)
        #expect(inputs[0].summary.compliant == 6)
        #expect(inputs[0].guests.first { $0.name == "fixed" }?.findings.map(\.state) == [.resolved])
    }

    @Test("hosts are told apart by journald's machine id and named by host-changed; host findings have no guest")
    mutating func hosts() throws {
        var r = JournalReplay()
        r.add(
            entry(
                [
                    "GUESTCAP_EVENT": "host-changed", "GUESTCAP_HOSTNAME": "kvm-a", "GUESTCAP_MACHINE_ID": "aaaa",
                    "GUESTCAP_MSR_STATUS": "inconsistent", "GUESTCAP_HOST_VALUE": "0x00000000000000ab",
                    "GUESTCAP_JUSTIFIED_VALUE": "0x0000000000000008",
                ], machine: "m1"))
        var host = transition("opened", .hostMSRInconsistent, .error, .open, guest: "x", id: "h", transition: "6")
        host["GUESTCAP_SOURCE"] = nil
        r.add(entry(host, machine: "m1"))
        r.add(entry(["GUESTCAP_EVENT": "daemon-started", "GUESTCAP_GUESTS": "1"], machine: "m2"))
        let inputs = r.inputs()
        try #require(inputs.count == 2)
        #expect(inputs[0].host.hostname == "kvm-a" && inputs[0].host.machineID == "aaaa")
        #expect(inputs[0].host.archCapabilities == .init(status: .inconsistent, value: "0x00000000000000ab"))
        #expect(inputs[0].host.justified == "0x0000000000000008")
        #expect(inputs[0].guests.isEmpty && inputs[0].hostFindings?.map(\.rule) == ["host-msr-inconsistent"])
        // A host never seen changing: journald's names, MSR unknown.
        #expect(inputs[1].host.hostname == "jd-m2" && inputs[1].host.machineID == "m2")
        #expect(inputs[1].host.archCapabilities.status == .unreadable)
        #expect(r.entries == 3 && r.skipped == 0)
    }
}
