import Foundation
import GuestCapCore
import TOMLKit

extension PolicyValidator {
    static let waiverKeys = ["guests", "rule", "bits", "reason", "expires"]

    /// Rules whose findings the engine never waives: host findings and unreadable configurations.
    static let unwaivableRules: Set<Rule> = [
        .hostMSRInconsistent, .hostMSRUnreadable, .kvmDefaultDiffers, .configUnreadable,
    ]

    /// The bit classes a rule can report, so a waiver cannot name a bit its rule never reports.
    static func reportableBits(_ rule: Rule) -> CapabilitySet? {
        switch rule {
        case .unjustifiedImmunity, .missedImmunity, .msrHidden: .of(.immunity)
        case .unjustifiedMitigation: .of(.mitigation)
        case .hiddenDisclosure: .of(.disclosure)
        case .unsupportedControl: .of(.control)
        case .reservedBits: .of(.reserved)
        case .migrationUnsafe: CapabilitySet.of(.immunity).union(.of(.mitigation))
        case .requestDropped: CapabilitySet(rawValue: .max)
        case .unknownModel, .hostMSRInconsistent, .hostMSRUnreadable, .kvmDefaultDiffers, .configUnreadable: nil
        }
    }

    /// `[[waivers]]`: accepted exceptions with a reason and an expiry date.
    mutating func waivers(_ value: (any TOMLValueConvertible)?, at path: PolicyKeyPath) -> [Waiver] {
        var out: [Waiver] = []
        for (index, table) in tables(value, at: path, header: "[[waivers]]") {
            let waiverPath = path.appending(index: index)
            checkKeys(table, allowed: Self.waiverKeys, at: waiverPath)
            let guests = selector(table, at: waiverPath, required: true)
            let rule = self.rule(table, at: waiverPath)
            let bits = self.bits(table, rule: rule, at: waiverPath)
            let reason = requiredString(
                table, "reason", at: waiverPath,
                what: "say why this is accepted (a ticket, an owner): auditors read it")
            let expires = self.expiry(table, at: waiverPath)
            if let guests, let rule, let bits, let reason, let expires {
                out.append(
                    Waiver(
                        guests: guests, rule: rule, bits: bits.set, reason: reason, expires: expires.date,
                        expiresText: expires.text, line: map.line(of: waiverPath)))
            }
        }
        return out
    }

    private mutating func rule(_ table: TOMLTable, at path: PolicyKeyPath) -> Rule? {
        let waivable = Rule.allCases.filter { !Self.unwaivableRules.contains($0) }.map(\.rawValue)
        guard let name = requiredString(table, "rule", at: path, what: "the rule whose findings are waived") else {
            return nil
        }
        guard let rule = Rule(rawValue: name) else {
            report(
                path.appending("rule"),
                "'\(name)' is not a rule" + Self.suggestion(for: name, among: waivable, listing: "rules"))
            return nil
        }
        guard !Self.unwaivableRules.contains(rule) else {
            report(
                path.appending("rule"),
                "'\(name)' findings cannot be waived (they belong to no guest's"
                    + " configuration); change the rule's severity or disable it under [rules.\(name)] instead")
            return nil
        }
        return rule
    }

    /// What a waiver's `bits` says.
    enum WaivedBits {
        /// No `bits` key: every bit of the rule.
        case every
        /// Only these.
        case only(CapabilitySet)

        var set: CapabilitySet? {
            if case .only(let s) = self { s } else { nil }
        }
    }

    /// The optional bit list; nil when it is invalid.
    private mutating func bits(_ table: TOMLTable, rule: Rule?, at path: PolicyKeyPath) -> WaivedBits? {
        guard table.contains(key: "bits") else { return .every }
        guard let names = strings(table, "bits", at: path) else { return nil }
        let key = path.appending("bits")
        guard !names.isEmpty else {
            report(key, "names no bit: leave 'bits' out to waive every bit of the rule")
            return nil
        }
        var set = CapabilitySet.empty
        var ok = true
        for name in names {
            guard let bit = ArchCapCatalog.bit(named: name) else {
                let known = ArchCapCatalog.defined.map(\.name)
                report(
                    key, element: name,
                    "'\(name)' is not a bit of IA32_ARCH_CAPABILITIES"
                        + Self.suggestion(for: name, among: known, listing: "bits"))
                ok = false
                continue
            }
            let one = CapabilitySet(rawValue: bit.mask)
            if let rule {
                if let reportable = Self.reportableBits(rule), !reportable.isSuperset(of: one) {
                    report(
                        key, element: name,
                        "'\(rule.rawValue)' never reports \(bit.name) (a \(bit.bitClass) bit),"
                            + " so waiving it has no effect")
                    ok = false
                } else if Self.reportableBits(rule) == nil {
                    report(key, element: name, "'\(rule.rawValue)' findings have no bits: leave 'bits' out")
                    ok = false
                }
            }
            set.formUnion(one)
        }
        return ok ? .only(set) : nil
    }

    /// `expires`: a TOML date (`2027-03-31`) or the same as a string. The waiver applies through that
    /// whole day (UTC) and ends at the following midnight.
    private mutating func expiry(_ table: TOMLTable, at path: PolicyKeyPath) -> (date: Date, text: String)? {
        let key = path.appending("expires")
        guard let value = table["expires"] else {
            report(path, "missing 'expires': every waiver needs an end date (YYYY-MM-DD) so it is reviewed again")
            return nil
        }
        let ymd: (Int, Int, Int)
        if let d = value.date {
            ymd = (d.year, d.month, d.day)
        } else if let text = value.string {
            guard let parsed = Self.parseDay(text) else {
                report(key, "'\(text)' is not a date (use YYYY-MM-DD)")
                return nil
            }
            ymd = parsed
        } else if value.dateTime != nil {
            report(key, "must be a date without a time (YYYY-MM-DD): the waiver ends at midnight UTC after that day")
            return nil
        } else {
            report(key, "must be a date (YYYY-MM-DD), not \(Self.typeName(value))")
            return nil
        }
        guard let end = Self.endOfDay(ymd) else {
            report(key, "'\(Self.format(ymd))' is not a date (use YYYY-MM-DD)")
            return nil
        }
        return (end, Self.format(ymd))
    }

    /// `YYYY-MM-DD` with a real month and day, else nil.
    static func parseDay(_ text: String) -> (Int, Int, Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        return endOfDay((y, m, d)) == nil ? nil : (y, m, d)
    }

    /// Midnight UTC after the given day, or nil if the day does not exist.
    static func endOfDay(_ ymd: (Int, Int, Int)) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: ymd.0, month: ymd.1, day: ymd.2)
        guard let start = calendar.date(from: components) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day], from: start)
        guard back.year == ymd.0, back.month == ymd.1, back.day == ymd.2 else { return nil }
        return calendar.date(byAdding: .day, value: 1, to: start)
    }

    static func format(_ ymd: (Int, Int, Int)) -> String {
        String(format: "%04d-%02d-%02d", ymd.0, ymd.1, ymd.2)
    }
}
