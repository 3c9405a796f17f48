import Foundation
import GuestCapCore

/// What one export adds to the fleet report: a few counts and the guests that matter for
/// migration, computed from the decoded file before it is dropped. Small whatever the export's size.
struct HostContribution: Sendable {
    struct Sighting: Sendable {
        let uuid: UUID
        let name: String?
        /// G, when the configuration was read.
        let value: UInt64?
        let visible: Bool
        let status: GuestStatus
    }
    struct Unsafe: Sendable {
        let pool: String
        let poolHost: String
        let guest: String
        let uuid: UUID?
        let bits: UInt64
    }
    struct RuleCounts: Sendable {
        var open = 0, waived = 0, resolved = 0, guestsWithOpen = 0
        var severities: Set<Severity> = []
    }

    let path: String
    /// machine-id, else hostname: what makes two exports the same host.
    let hostKey: String
    let score: FleetReport.HostScore
    let summary: ReportDocument.Summary
    let msrStatus: String
    let period: ReportDocument.Period?
    /// [state][severity] → count.
    let findings: [FindingState: [Severity: Int]]
    let rules: [String: RuleCounts]
    let sightings: [Sighting]
    let unsafe: [Unsafe]

    /// Reads what the fleet report needs from one decoded export.
    init(_ input: FleetInput, path: String) {
        self.path = path
        hostKey = input.host.machineID.flatMap { $0.isEmpty ? nil : "machine:" + $0 } ?? "host:" + input.host.hostname
        summary = input.summary
        msrStatus = input.host.archCapabilities.status.rawValue
        period = input.period
        var openCritical = 0, openError = 0
        var findings: [FindingState: [Severity: Int]] = [:]
        var rules: [String: RuleCounts] = [:]
        var sightings: [Sighting] = []
        var unsafe: [Unsafe] = []
        func count(_ f: FleetInput.Finding, guestOpen: inout Set<String>) {
            findings[f.state, default: [:]][f.severity, default: 0] += 1
            var r = rules[f.rule, default: RuleCounts()]
            r.severities.insert(f.severity)
            switch f.state {
            case .open:
                r.open += 1
                if f.severity == .critical { openCritical += 1 }
                if f.severity == .error { openError += 1 }
                if guestOpen.insert(f.rule).inserted { r.guestsWithOpen += 1 }
            case .waived: r.waived += 1
            case .resolved: r.resolved += 1
            }
            rules[f.rule] = r
        }
        var none = Set<String>()
        for f in input.hostFindings ?? [] { count(f, guestOpen: &none) }
        for g in input.guests {
            var seen = Set<String>()
            for f in g.findings {
                count(f, guestOpen: &seen)
                if f.rule == Rule.migrationUnsafe.rawValue, f.state != .resolved, let pool = f.pool,
                   let poolHost = f.poolHost {
                    let bits = (try? CapabilitySet(names: f.bits))?.rawValue ?? 0
                    unsafe.append(Unsafe(pool: pool, poolHost: poolHost, guest: g.name ?? g.path,
                                         uuid: g.uuid.flatMap(Self.uuid), bits: bits))
                }
            }
            if let text = g.uuid, let uuid = Self.uuid(text) {
                let value = g.archCapabilities.flatMap { CapabilitySet.parse(hex: $0.value)?.rawValue }
                sightings.append(Sighting(uuid: uuid, name: g.name, value: value,
                                          visible: g.archCapabilities?.visible ?? false, status: g.status))
            }
        }
        self.findings = findings
        self.rules = rules
        self.sightings = sightings
        self.unsafe = unsafe
        score = FleetReport.HostScore(
            hostname: input.host.hostname, machineID: input.host.machineID, file: path, guests: input.summary.guests,
            violating: input.summary.violating, unreadable: input.summary.unreadable, openCritical: openCritical,
            openError: openError, msr: input.host.archCapabilities.value, justified: input.host.justified)
    }

    /// Parses `8-4-4-4-12` hex; Foundation's `UUID(uuidString:)` goes through `sscanf`, which
    /// showed up in the fleet benchmark (a million guests).
    static func uuid(_ text: String) -> UUID? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var n = 0, high: UInt8? = nil, count = 0
        for c in text.utf8 {
            count += 1
            if c == UInt8(ascii: "-") {
                guard count == 9 || count == 14 || count == 19 || count == 24, high == nil else { return nil }
                continue
            }
            let v: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = c - UInt8(ascii: "A") + 10
            default: return nil
            }
            if let h = high {
                guard n < 16 else { return nil }
                bytes[n] = h << 4 | v
                n += 1
                high = nil
            } else {
                high = v
            }
        }
        guard count == 36, n == 16 else { return nil }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                           bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
