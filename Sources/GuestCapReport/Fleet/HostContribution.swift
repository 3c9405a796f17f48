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
        /// Distinct, in the order seen (a list: one or two per rule).
        var severities: [Severity] = []
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
        var openCritical = 0
        var openError = 0
        // Counts by state and severity in a flat array, made a dictionary once at the end.
        let severities = Severity.allCases
        var byState = [Int](repeating: 0, count: FindingState.allCases.count * severities.count)
        var rules: [String: RuleCounts] = [:]
        var sightings: [Sighting] = []
        var unsafe: [Unsafe] = []
        var openNow: [FleetReport.OpenFinding] = []
        func count(_ f: FleetInput.Finding, guest: String?, guestOpen: inout [String]) {
            let sev = severities.firstIndex(of: f.severity)!
            byState[FindingState.allCases.firstIndex(of: f.state)! * severities.count + sev] += 1
            var firstOpen = false
            if f.state == .open {
                if f.severity == .critical { openCritical += 1 }
                if f.severity == .error { openError += 1 }
                if f.severity.isViolation {
                    openNow.append(.init(guest: guest, rule: f.rule, severity: f.severity.rawValue))
                }
                if !guestOpen.contains(f.rule) {
                    guestOpen.append(f.rule)
                    firstOpen = true
                }
            }
            Self.tally(&rules[f.rule, default: RuleCounts()], f, firstOpen: firstOpen)
        }
        var none: [String] = []
        for f in input.hostFindings ?? [] { count(f, guest: nil, guestOpen: &none) }
        for g in input.guests {
            var seen: [String] = []
            for f in g.findings {
                count(f, guest: g.name ?? g.path, guestOpen: &seen)
                // The matrix is about moving a guest from its host to a pool host: outgoing findings
                // (incoming ones, booted there and moved here, still count in the rule totals).
                if f.rule == Rule.migrationUnsafe.rawValue, f.state != .resolved, f.direction != .incoming,
                    let pool = f.pool, let poolHost = f.poolHost
                {
                    let bits = (try? CapabilitySet(names: f.bits))?.rawValue ?? 0
                    unsafe.append(
                        Unsafe(
                            pool: pool, poolHost: poolHost, guest: g.name ?? g.path,
                            uuid: g.uuid.flatMap(Self.uuid), bits: bits))
                }
            }
            if let text = g.uuid, let uuid = Self.uuid(text) {
                let value = g.archCapabilities.flatMap { Self.hexValue($0.value) }
                sightings.append(
                    Sighting(
                        uuid: uuid, name: g.name, value: value,
                        visible: g.archCapabilities?.visible ?? false, status: g.status))
            }
        }
        var findings: [FindingState: [Severity: Int]] = [:]
        for (si, state) in FindingState.allCases.enumerated() {
            for (vi, severity) in severities.enumerated() where byState[si * severities.count + vi] > 0 {
                findings[state, default: [:]][severity] = byState[si * severities.count + vi]
            }
        }
        self.findings = findings
        self.rules = rules
        self.sightings = sightings
        self.unsafe = unsafe
        score = FleetReport.HostScore(
            hostname: input.host.hostname, machineID: input.host.machineID, file: path, guests: input.summary.guests,
            violating: input.summary.violating, unreadable: input.summary.unreadable, openCritical: openCritical,
            openError: openError, msr: input.host.archCapabilities.value, justified: input.host.justified,
            open: Array(openNow.sorted(by: FleetReport.OpenFinding.worse).prefix(FleetReport.OpenFinding.limit)))
    }

    /// Adds one finding to its rule's counts (in place in the dictionary: one lookup).
    private static func tally(_ r: inout RuleCounts, _ f: FleetInput.Finding, firstOpen: Bool) {
        if !r.severities.contains(f.severity) { r.severities.append(f.severity) }
        switch f.state {
        case .open: r.open += 1
        case .waived: r.waived += 1
        case .resolved: r.resolved += 1
        }
        if firstOpen { r.guestsWithOpen += 1 }
    }

    /// `CapabilitySet.parse(hex:)`'s value, computed directly for the form exports write
    /// (`0x` and up to 16 hex digits) and left to it otherwise.
    static func hexValue(_ text: String) -> UInt64? {
        let utf8 = text.utf8
        guard utf8.count > 2, utf8.count <= 18, utf8.starts(with: "0x".utf8) || utf8.starts(with: "0X".utf8) else {
            return CapabilitySet.parse(hex: text)?.rawValue
        }
        var v: UInt64 = 0
        for c in utf8.dropFirst(2) {
            guard let d = JSONScanner.hexDigit(c) else { return CapabilitySet.parse(hex: text)?.rawValue }
            v = v << 4 | UInt64(d)
        }
        return v
    }

    /// Appends `uuid` as lower-case `8-4-4-4-12` text (`uuidString` formats through `snprintf`).
    static func appendText(of uuid: UUID, to out: inout Data) {
        let digits = Array("0123456789abcdef".utf8)
        withUnsafeBytes(of: uuid.uuid) { bytes in
            for (n, b) in bytes.enumerated() {
                if n == 4 || n == 6 || n == 8 || n == 10 { out.append(UInt8(ascii: "-")) }
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0x0f)])
            }
        }
    }

    /// Parses `8-4-4-4-12` hex; Foundation's `UUID(uuidString:)` goes through `sscanf`, which
    /// showed up in the fleet benchmark (a million guests).
    static func uuid(_ text: String) -> UUID? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var n = 0
        var high: UInt8? = nil
        var count = 0
        for c in text.utf8 {
            count += 1
            if c == UInt8(ascii: "-") {
                guard count == 9 || count == 14 || count == 19 || count == 24, high == nil else { return nil }
                continue
            }
            guard let v = JSONScanner.hexDigit(c) else { return nil }
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
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }
}
