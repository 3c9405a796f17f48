import Foundation
import GuestCapCore

/// Reads the members of an export that the fleet report uses (``FleetInput``) straight from
/// the bytes with a ``JSONScanner``, skipping the rest. Same rules as decoding with
/// `JSONDecoder`: a required member missing or null, or of the wrong type, is an error naming
/// where; optional members may be absent or null; unknown members are ignored.
enum FleetDecoder {
    /// Decodes one export.
    /// - Throws: ``JSONScanner/Failure`` saying what is wrong and where.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> FleetInput {
        var s = JSONScanner(bytes)
        let input = try document(&s)
        try s.end()
        return input
    }

    private enum DocumentKey: String, CaseIterable {
        case format
        case generatedAt = "generated_at"
        case period, host, guests
        case hostFindings = "host_findings"
        case summary
    }
    private enum PeriodKey: String, CaseIterable { case from, to }
    private enum HostKey: String, CaseIterable {
        case hostname
        case machineID = "machine_id"
        case archCapabilities = "arch_capabilities"
        case justified
    }
    private enum ValueKey: String, CaseIterable { case status, value, visible }
    private enum GuestKey: String, CaseIterable {
        case name, uuid, path, status
        case archCapabilities = "arch_capabilities"
        case findings
    }
    private enum FindingKey: String, CaseIterable {
        case rule, severity, state, bits, pool
        case poolHost = "pool_host"
        case direction
    }
    private enum SummaryKey: String, CaseIterable { case guests, compliant, violating, waived, unreadable }

    private static let documentKeys = JSONScanner.Keys<DocumentKey>()
    private static let periodKeys = JSONScanner.Keys<PeriodKey>()
    private static let hostKeys = JSONScanner.Keys<HostKey>()
    private static let valueKeys = JSONScanner.Keys<ValueKey>()
    private static let guestKeys = JSONScanner.Keys<GuestKey>()
    private static let findingKeys = JSONScanner.Keys<FindingKey>()
    private static let summaryKeys = JSONScanner.Keys<SummaryKey>()
    private static let statuses = JSONScanner.Keys<GuestStatus>()
    private static let severities = JSONScanner.Keys<Severity>()
    private static let states = JSONScanner.Keys<FindingState>()
    private static let rules = JSONScanner.Keys<Rule>()
    private static let directions = JSONScanner.Keys<MigrationDirection>()

    typealias Failure = JSONScanner.Failure

    /// Reads an object: `body` gets each known member's key and reads its value; unknown members
    /// are skipped. A failure inside a member names it.
    private static func members<K>(
        _ s: inout JSONScanner, _ keys: JSONScanner.Keys<K>,
        _ body: (K, inout JSONScanner) throws(Failure) -> Void
    ) throws(Failure) {
        try s.beginObject()
        while true {
            switch try s.nextMember(keys) {
            case .end: return
            case .unknown: try s.skipValue()
            case .key(let k):
                do { try body(k, &s) } catch { throw error.at(k.rawValue) }
            }
        }
    }

    private static func required<T>(_ value: T?, _ key: String) throws(Failure) -> T {
        guard let value else { throw Failure(message: "missing '\(key)'") }
        return value
    }

    private static func document(_ s: inout JSONScanner) throws(Failure) -> FleetInput {
        var format: String?
        var generatedAt: Date?
        var period: ReportDocument.Period?
        var host: FleetInput.Host?
        var guests: [FleetInput.Guest]?
        var hostFindings: [FleetInput.Finding]?
        var summary: ReportDocument.Summary?
        try members(&s, documentKeys) { k, s throws(Failure) in
            switch k {
            case .format: format = try s.string()
            case .generatedAt: generatedAt = try date(&s)
            case .period: period = try s.null() ? nil : self.period(&s)
            case .host: host = try self.host(&s)
            case .guests: guests = try array(&s, guest)
            case .hostFindings: hostFindings = try s.null() ? nil : array(&s, finding)
            case .summary: summary = try self.summary(&s)
            }
        }
        return FleetInput(
            format: try required(format, "format"), generatedAt: try required(generatedAt, "generated_at"),
            period: period, host: try required(host, "host"), guests: try required(guests, "guests"),
            hostFindings: hostFindings, summary: try required(summary, "summary"))
    }

    /// An array whose elements `element` reads; a failure names the index.
    private static func array<T>(
        _ s: inout JSONScanner, _ element: (inout JSONScanner) throws(Failure) -> T
    )
        throws(Failure) -> [T]
    {
        var out: [T] = []
        try s.beginArray()
        while try s.nextElement() {
            do { out.append(try element(&s)) } catch { throw error.at("[\(out.count)]") }
        }
        return out
    }

    private static func period(_ s: inout JSONScanner) throws(Failure) -> ReportDocument.Period {
        var from: Date?
        var to: Date?
        try members(&s, periodKeys) { k, s throws(Failure) in
            switch k {
            case .from: from = try date(&s)
            case .to: to = try date(&s)
            }
        }
        return ReportDocument.Period(from: try required(from, "from"), to: try required(to, "to"))
    }

    private static func host(_ s: inout JSONScanner) throws(Failure) -> FleetInput.Host {
        var hostname: String?
        var machineID: String?
        var msr: FleetInput.Host.MSR?
        var justified: String?
        try members(&s, hostKeys) { k, s throws(Failure) in
            switch k {
            case .hostname: hostname = try s.string()
            case .machineID: machineID = try s.optionalString()
            case .archCapabilities:
                let v = try values(&s)
                let status = try required(v.status, "status")
                guard let known = MSRStatus(rawValue: status) else {
                    throw Failure(message: "'\(status)' is not a known value").at("status")
                }
                msr = .init(status: known, value: try required(v.value, "value"))
            case .justified: justified = try required(try values(&s).value, "value")
            }
        }
        return FleetInput.Host(
            hostname: try required(hostname, "hostname"), machineID: machineID,
            archCapabilities: try required(msr, "arch_capabilities"),
            justified: try required(justified, "justified"))
    }

    /// The members `status`, `value` and `visible` of a small object (MSR, J, a guest's G).
    private static func values(
        _ s: inout JSONScanner
    ) throws(Failure) -> (status: String?, value: String?, visible: Bool?) {
        var status: String?
        var value: String?
        var visible: Bool?
        try members(&s, valueKeys) { k, s throws(Failure) in
            switch k {
            case .status: status = try s.string()
            case .value: value = try s.string()
            case .visible: visible = try s.bool()
            }
        }
        return (status, value, visible)
    }

    private static func guest(_ s: inout JSONScanner) throws(Failure) -> FleetInput.Guest {
        var name: String?
        var uuid: String?
        var path: String?
        var status: GuestStatus?
        var advertised: FleetInput.Advertised?
        var findings: [FleetInput.Finding]?
        try members(&s, guestKeys) { k, s throws(Failure) in
            switch k {
            case .name: name = try s.optionalString()
            case .uuid: uuid = try s.optionalString()
            case .path: path = try s.string()
            case .status: status = try s.value(statuses)
            case .archCapabilities:
                guard !s.null() else {
                    advertised = nil
                    return
                }
                let v = try values(&s)
                advertised = .init(value: try required(v.value, "value"), visible: try required(v.visible, "visible"))
            case .findings: findings = try array(&s, finding)
            }
        }
        return FleetInput.Guest(
            name: name, uuid: uuid, path: try required(path, "path"),
            status: try required(status, "status"), archCapabilities: advertised,
            findings: try required(findings, "findings"))
    }

    private static func finding(_ s: inout JSONScanner) throws(Failure) -> FleetInput.Finding {
        var rule: String?
        var severity: Severity?
        var state: FindingState?
        // Where bits and pool are: read only once the rule is known to be migration-unsafe.
        var bitsAt: JSONScanner?
        var poolAt: JSONScanner?
        var poolHostAt: JSONScanner?
        var directionAt: JSONScanner?
        try members(&s, findingKeys) { k, s throws(Failure) in
            switch k {
            case .rule: rule = try ruleName(&s)
            case .severity: severity = try s.value(severities)
            case .state: state = try s.value(states)
            case .bits:
                bitsAt = s
                try s.skipValue()
            case .pool:
                poolAt = s
                try s.skipValue()
            case .poolHost:
                poolHostAt = s
                try s.skipValue()
            case .direction:
                directionAt = s
                try s.skipValue()
            }
        }
        var f = FleetInput.Finding(
            rule: try required(rule, "rule"), severity: try required(severity, "severity"),
            state: try required(state, "state"))
        guard f.rule == Rule.migrationUnsafe.rawValue else { return f }
        guard var b = bitsAt else { throw Failure(message: "missing 'bits'") }
        do { f.bits = try array(&b) { (e: inout JSONScanner) throws(Failure) in try e.string() } } catch {
            throw error.at("bits")
        }
        do { f.pool = try poolAt?.optionalString() } catch { throw error.at("pool") }
        do { f.poolHost = try poolHostAt?.optionalString() } catch { throw error.at("pool_host") }
        do {
            if var d = directionAt, !d.null() { f.direction = try d.value(directions) }
        } catch { throw error.at("direction") }
        return f
    }

    /// The rule's name, shared with ``Rule``'s own string for known rules (no copy per finding).
    private static func ruleName(_ s: inout JSONScanner) throws(Failure) -> String {
        if let rule = try s.knownValue(rules) { return rule.rawValue }
        return try s.string()
    }

    private static func summary(_ s: inout JSONScanner) throws(Failure) -> ReportDocument.Summary {
        var counts: [SummaryKey: Int] = [:]
        try members(&s, summaryKeys) { k, s throws(Failure) in counts[k] = try s.int() }
        var out = ReportDocument.Summary()
        out.guests = try required(counts[.guests], "guests")
        out.compliant = try required(counts[.compliant], "compliant")
        out.violating = try required(counts[.violating], "violating")
        out.waived = try required(counts[.waived], "waived")
        out.unreadable = try required(counts[.unreadable], "unreadable")
        return out
    }

    /// An RFC 3339 date. The form every export writes (`2026-11-24T00:00:00Z`) is computed
    /// here; anything else goes to ``ReportCoding/parseDate(_:)``, which decides.
    private static func date(_ s: inout JSONScanner) throws(Failure) -> Date {
        let text = try s.string()
        if let d = plainUTCDate(text) ?? ReportCoding.parseDate(text) { return d }
        throw JSONScanner.Failure(message: "'\(text)' is not an RFC 3339 date-time")
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` with every field in its everyday range, else nil.
    static func plainUTCDate(_ text: String) -> Date? {
        var t = text
        return t.withUTF8 { b -> Date? in
            guard b.count == 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
                b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[19] == UInt8(ascii: "Z")
            else { return nil }
            func n(_ from: Int, _ count: Int) -> Int? {
                var v = 0
                for k in from..<from + count {
                    guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b[k]) else { return nil }
                    v = v * 10 + Int(b[k] - UInt8(ascii: "0"))
                }
                return v
            }
            guard let y = n(0, 4), let mo = n(5, 2), let d = n(8, 2), let h = n(11, 2), let mi = n(14, 2),
                let sec = n(17, 2), y >= 1970, (1...12).contains(mo), (1...28).contains(d), h < 24, mi < 60, sec < 60
            else { return nil }
            // Days since 1970-01-01 in the proleptic Gregorian calendar, with March as the first month.
            let yy = mo <= 2 ? y - 1 : y
            let era = yy / 400
            let yoe = yy - era * 400
            let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
            let days = era * 146_097 + doe - 719_468
            return Date(timeIntervalSince1970: TimeInterval(days * 86_400 + h * 3600 + mi * 60 + sec))
        }
    }
}
