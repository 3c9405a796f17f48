import Foundation
import GuestCapCore

/// Rebuilds each host's state from its guestcap journal entries, oldest first: the host from
/// *host-changed*, the guest count from *daemon-started*, every finding from its transitions
/// (keyed by `GUESTCAP_FINDING_ID`, latest state wins). The result is one ``FleetInput`` per
/// host, so the fleet report made from a central journal is made the same way as from exports.
///
/// A guest's status is the worst it had over the entries read, as in an export of that span.
/// Guests that never had a finding never appear in the journal: a host's guest count is the one
/// its daemon logged when it last started, or the guests named in entries when that is more.
/// Entries this version does not know (another event, a rule added later) are kept as far as
/// they go: an unknown rule is counted under its name; an unknown event is skipped.
struct JournalReplay {
    /// One journal entry: its realtime timestamp and the fields the replay reads (first value).
    struct Entry {
        var time: Date
        var fields: [String: String]
        subscript(_ name: String) -> String? { fields[name] }
    }

    /// The fields ``Entry`` needs; the reader asks journald for these only.
    static let fieldNames = [
        "_MACHINE_ID", "_HOSTNAME", "GUESTCAP_EVENT", "GUESTCAP_RULE", "GUESTCAP_SEVERITY", "GUESTCAP_STATE",
        "GUESTCAP_GUEST_NAME", "GUESTCAP_GUEST_UUID", "GUESTCAP_SOURCE", "GUESTCAP_CONFIG_PATH",
        "GUESTCAP_GUEST_VALUE", "GUESTCAP_BITS", "GUESTCAP_POOL", "GUESTCAP_POOL_HOST", "GUESTCAP_DIRECTION",
        "GUESTCAP_FINDING_ID",
        "GUESTCAP_TRANSITION_ID", "GUESTCAP_HOSTNAME", "GUESTCAP_MACHINE_ID", "GUESTCAP_MSR_STATUS",
        "GUESTCAP_HOST_VALUE", "GUESTCAP_JUSTIFIED_VALUE", "GUESTCAP_GUESTS",
    ]

    private struct TrackedFinding {
        var rule: String
        var severity: Severity
        var state: FindingState
        var subject: String?
        var bits: [String]
        var pool: String?
        var poolHost: String?
        var direction: MigrationDirection?
    }
    private struct TrackedGuest {
        var name: String?
        var uuid: String?
        var path: String
        var value: String?
        var worst: GuestStatus = .compliant
        var findings: [String] = []
    }
    private struct TrackedHost {
        var hostname: String
        var machineID: String?
        var msrStatus: MSRStatus?
        var msrValue: String?
        var justified: String?
        var guestsAtStart = 0
        var first: Date
        var last: Date
        var findings: [String: TrackedFinding] = [:]
        var findingOrder: [String] = []
        var guests: [String: TrackedGuest] = [:]
        var guestOrder: [String] = []
    }

    private var hosts: [String: TrackedHost] = [:]
    private var hostOrder: [String] = []
    private var seenTransitions = Set<String>()
    /// Entries read, and those skipped as not understood (unknown event, severity or state).
    private(set) var entries = 0, skipped = 0

    /// Applies one entry (entries must come oldest first, as `sd_journal_next` returns them).
    mutating func add(_ e: Entry) {
        entries += 1
        // The journal's own machine id names the sender; the host's own name comes from host-changed.
        let key = e["_MACHINE_ID"] ?? e["_HOSTNAME"] ?? "unknown"
        if hosts[key] == nil {
            hosts[key] = TrackedHost(
                hostname: e["_HOSTNAME"] ?? key, machineID: e["_MACHINE_ID"], first: e.time,
                last: e.time)
            hostOrder.append(key)
        }
        hosts[key]!.last = max(hosts[key]!.last, e.time)
        switch e["GUESTCAP_EVENT"] {
        case "host-changed":
            if let name = e["GUESTCAP_HOSTNAME"] { hosts[key]!.hostname = name }
            if let id = e["GUESTCAP_MACHINE_ID"] { hosts[key]!.machineID = id }
            hosts[key]!.msrStatus = e["GUESTCAP_MSR_STATUS"].flatMap(MSRStatus.init(rawValue:))
            hosts[key]!.msrValue = e["GUESTCAP_HOST_VALUE"]
            hosts[key]!.justified = e["GUESTCAP_JUSTIFIED_VALUE"]
        case "daemon-started":
            if let n = e["GUESTCAP_GUESTS"].flatMap(Int.init) { hosts[key]!.guestsAtStart = n }
        case "opened", "resolved", "waived", "waiver-expired":
            if !transition(e, host: key) { skipped += 1 }
        case "daemon-stopping", "policy-rejected", "store-degraded":
            break
        default:
            skipped += 1
        }
    }

    /// One finding transition; false when it cannot be understood.
    private mutating func transition(_ e: Entry, host key: String) -> Bool {
        guard let id = e["GUESTCAP_FINDING_ID"], let rule = e["GUESTCAP_RULE"],
            let severity = e["GUESTCAP_SEVERITY"].flatMap(Severity.init(rawValue:)),
            let state = e["GUESTCAP_STATE"].flatMap(FindingState.init(rawValue:))
        else { return false }
        // The same transition twice (an upload retried): once.
        if let t = e["GUESTCAP_TRANSITION_ID"], !seenTransitions.insert(t).inserted { return true }
        // Host findings have no source; a guest is its config path, else its UUID or name.
        let subject =
            e["GUESTCAP_SOURCE"] == nil
            ? nil
            : e["GUESTCAP_CONFIG_PATH"] ?? e["GUESTCAP_GUEST_UUID"] ?? e["GUESTCAP_GUEST_NAME"]
        let f = TrackedFinding(
            rule: rule, severity: severity, state: state, subject: subject,
            bits: e["GUESTCAP_BITS"].map { $0.split(separator: ",").map(String.init) } ?? [],
            pool: e["GUESTCAP_POOL"], poolHost: e["GUESTCAP_POOL_HOST"],
            direction: e["GUESTCAP_DIRECTION"].flatMap(MigrationDirection.init(rawValue:)))
        var h = hosts[key]!
        hosts[key] = nil
        if h.findings[id] == nil { h.findingOrder.append(id) }
        h.findings[id] = f
        if let subject {
            if h.guests[subject] == nil {
                h.guests[subject] = TrackedGuest(path: e["GUESTCAP_CONFIG_PATH"] ?? subject)
                h.guestOrder.append(subject)
            }
            var g = h.guests[subject]!
            g.name = e["GUESTCAP_GUEST_NAME"] ?? g.name
            g.uuid = e["GUESTCAP_GUEST_UUID"] ?? g.uuid
            g.value = e["GUESTCAP_GUEST_VALUE"] ?? g.value
            if !g.findings.contains(id) { g.findings.append(id) }
            // As an export's worst status of the period: violating once open at error or above.
            if severity.isViolation && state == .open { g.worst = .violating }
            if rule == Rule.configUnreadable.rawValue { g.worst = min(g.worst, .unreadable) }
            if severity.isViolation && state == .waived { g.worst = min(g.worst, .waived) }
            h.guests[subject] = g
        }
        hosts[key] = h
        return true
    }

    /// Each host's state as an export would give it, in the order hosts were first seen.
    func inputs() -> [FleetInput] {
        hostOrder.map { key in
            let h = hosts[key]!
            func finding(_ id: String) -> FleetInput.Finding {
                let f = h.findings[id]!
                return FleetInput.Finding(
                    rule: f.rule, severity: f.severity, state: f.state, bits: f.bits,
                    pool: f.pool, poolHost: f.poolHost, direction: f.direction)
            }
            let guests = h.guestOrder.map { s -> FleetInput.Guest in
                let g = h.guests[s]!
                return FleetInput.Guest(
                    name: g.name, uuid: g.uuid, path: g.path, status: g.worst,
                    archCapabilities: g.value.map { .init(value: $0, visible: true) },
                    findings: g.findings.map(finding))
            }
            var summary = ReportDocument.Summary(statuses: guests.map(\.status))
            let unseen = max(0, h.guestsAtStart - summary.guests)
            summary.guests += unseen
            summary.compliant += unseen
            let hostFindings = h.findingOrder.filter { h.findings[$0]!.subject == nil }.map(finding)
            let zero = CapabilitySet.hex(0)
            return FleetInput(
                format: ReportDocument.formatName, generatedAt: h.last, period: .init(from: h.first, to: h.last),
                host: .init(
                    hostname: h.hostname, machineID: h.machineID,
                    archCapabilities: .init(status: h.msrStatus ?? .unreadable, value: h.msrValue ?? zero),
                    justified: h.justified ?? zero),
                guests: guests, hostFindings: hostFindings, summary: summary)
        }
    }
}
