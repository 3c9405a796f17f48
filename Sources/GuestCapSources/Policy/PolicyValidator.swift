import Foundation
import GuestCapCore
import TOMLKit

/// Walks a parsed policy table, building a ``Policy`` and collecting every problem on the way.
struct PolicyValidator {
    let file: String
    /// Relative member paths are read from here.
    let directory: String
    let map: PolicySourceMap
    private(set) var problems: [PolicyProblem] = []

    init(file: String, directory: String, map: PolicySourceMap) {
        self.file = file
        self.directory = directory
        self.map = map
    }

    static let topLevelKeys = ["kvm_synthesis", "qemu_fb_clear", "rules", "pools", "waivers"]
    static let ruleKeys = ["enabled", "severity"]

    /// The policy, or nil when a problem was found.
    mutating func policy(from root: TOMLTable, sha256: String) -> Policy? {
        let top = PolicyKeyPath()
        checkKeys(root, allowed: Self.topLevelKeys, at: top)
        var justification = JustificationOptions()
        if let v = bool(root, "kvm_synthesis", at: top) { justification.kvmSynthesis = v }
        if let v = bool(root, "qemu_fb_clear", at: top) { justification.qemuFbClear = v }
        let rules = self.rules(root["rules"], at: top.appending("rules"))
        let pools = self.pools(root["pools"], at: top.appending("pools"))
        let waivers = self.waivers(root["waivers"], at: top.appending("waivers"))
        guard problems.isEmpty else { return nil }
        return Policy(
            rules: rules, justification: justification, pools: pools, waivers: waivers,
            path: file, sha256: sha256)
    }

    // MARK: - Rules

    private mutating func rules(_ value: (any TOMLValueConvertible)?, at path: PolicyKeyPath) -> [Rule: RuleSetting] {
        guard let value else { return [:] }
        guard let table = value.table else {
            report(path, "must be a table of rules ([rules.NAME] sections), not \(Self.typeName(value))")
            return [:]
        }
        var out: [Rule: RuleSetting] = [:]
        for name in table.keys {
            let rulePath = path.appending(name)
            guard let rule = Rule(rawValue: name) else {
                report(
                    rulePath,
                    "'\(name)' is not a rule"
                        + Self.suggestion(
                            for: name, among: Rule.allCases.map(\.rawValue),
                            listing: "rules"))
                continue
            }
            guard let settings = table[name]?.table else {
                report(rulePath, "must be a table with 'severity' and/or 'enabled', not \(Self.typeName(table[name]))")
                continue
            }
            checkKeys(settings, allowed: Self.ruleKeys, at: rulePath)
            var setting = RuleSetting(severity: rule.defaultSeverity)
            if let enabled = bool(settings, "enabled", at: rulePath) { setting.enabled = enabled }
            if let text = string(settings, "severity", at: rulePath) {
                if let severity = Severity(rawValue: text) {
                    setting.severity = severity
                } else {
                    report(
                        rulePath.appending("severity"),
                        "'\(text)' is not a severity"
                            + Self.suggestion(
                                for: text, among: Severity.allCases.map(\.rawValue), listing: "severities"))
                }
            }
            out[rule] = setting
        }
        return out
    }

    // MARK: - Reporting

    /// Records a problem at a key's line (or at the line of one element of its array value).
    mutating func report(_ path: PolicyKeyPath, element: String? = nil, _ message: String) {
        let line = element.map { map.line(of: path, element: $0) } ?? map.line(of: path)
        problems.append(PolicyProblem(file: file, line: line, key: path.display, message: message))
    }

    /// Reports every key of a table that is not allowed.
    mutating func checkKeys(_ table: TOMLTable, allowed: [String], at path: PolicyKeyPath) {
        for key in table.keys where !allowed.contains(key) {
            report(path.appending(key), "unknown key" + Self.suggestion(for: key, among: allowed, listing: "keys here"))
        }
    }

    // MARK: - Typed values

    /// An optional boolean.
    mutating func bool(_ table: TOMLTable, _ key: String, at path: PolicyKeyPath) -> Bool? {
        typed(table, key, at: path, mustBe: "true or false") { $0.bool }
    }

    /// An optional string.
    mutating func string(_ table: TOMLTable, _ key: String, at path: PolicyKeyPath) -> String? {
        typed(table, key, at: path, mustBe: "a string") { $0.string }
    }

    /// An optional value of the type `read` takes out; any other type is reported as not `mustBe`.
    private mutating func typed<Value>(
        _ table: TOMLTable, _ key: String, at path: PolicyKeyPath, mustBe: String,
        _ read: (any TOMLValueConvertible) -> Value?
    ) -> Value? {
        guard let value = table[key] else { return nil }
        guard let typed = read(value) else {
            report(path.appending(key), "must be \(mustBe), not \(Self.typeName(value))")
            return nil
        }
        return typed
    }

    /// A required string that is not blank.
    mutating func requiredString(_ table: TOMLTable, _ key: String, at path: PolicyKeyPath, what: String) -> String? {
        guard table.contains(key: key) else {
            report(path, "missing '\(key)': \(what)")
            return nil
        }
        guard let s = string(table, key, at: path) else { return nil }
        guard !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            report(path.appending(key), "is empty: \(what)")
            return nil
        }
        return s
    }

    /// An optional list of strings; a single string counts as a list of one.
    mutating func strings(_ table: TOMLTable, _ key: String, at path: PolicyKeyPath) -> [String]? {
        guard let value = table[key] else { return nil }
        if let s = value.string { return [s] }
        guard let array = value.array else {
            report(path.appending(key), "must be a list of strings, not \(Self.typeName(value))")
            return nil
        }
        var out: [String] = []
        var ok = true
        for (i, element) in array.enumerated() {
            if let s = element.string {
                out.append(s)
            } else {
                report(path.appending(key), "item \(i + 1) must be a string, not \(Self.typeName(element))")
                ok = false
            }
        }
        return ok ? out : nil
    }

    /// The elements of an array of tables (`[[pools]]`), reporting anything else.
    mutating func tables(
        _ value: (any TOMLValueConvertible)?, at path: PolicyKeyPath,
        header: String
    ) -> [(index: Int, table: TOMLTable)] {
        guard let value else { return [] }
        guard let array = value.array else {
            report(path, "must be a list of \(header) sections, not \(Self.typeName(value))")
            return []
        }
        var out: [(Int, TOMLTable)] = []
        for (i, element) in array.enumerated() {
            if let t = element.table {
                out.append((i, t))
            } else {
                report(path.appending(index: i), "must be a table (a \(header) section), not \(Self.typeName(element))")
            }
        }
        return out
    }

    /// A guest selector from `guests`: `"*"` is every guest, otherwise name/UUID globs.
    mutating func selector(_ table: TOMLTable, at path: PolicyKeyPath, required: Bool) -> GuestSelector? {
        guard table.contains(key: "guests") else {
            if required {
                report(path, "missing 'guests': which guests (names or UUIDs, globs allowed; \"*\" for all)")
            }
            return required ? nil : .everyGuest
        }
        guard let patterns = strings(table, "guests", at: path) else { return nil }
        let key = path.appending("guests")
        guard !patterns.isEmpty else {
            report(key, "selects no guest: list names or UUIDs (globs allowed), or \"*\" for all")
            return nil
        }
        var globs: [Glob] = []
        var ok = true
        for p in patterns {
            do throws(GlobError) {
                globs.append(try Glob(p))
            } catch {
                report(key, element: p, error.description)
                ok = false
            }
        }
        guard ok else { return nil }
        if patterns.contains("*") { return .everyGuest }
        return GuestSelector(patterns: globs)
    }

    // MARK: - Wording

    /// `a string`, `an integer`, `a table`…
    static func typeName(_ value: (any TOMLValueConvertible)?) -> String {
        guard let value else { return "nothing" }
        switch value.type {
        case .table: return "a table"
        case .array: return "a list"
        case .string: return "a string (\"\(value.string ?? "")\")"
        case .int: return "an integer"
        case .double: return "a number"
        case .bool: return "a boolean"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    /// ` (did you mean 'x'?)` for a near miss, else ` (NOUN: a, b, c)`.
    static func suggestion(for word: String, among candidates: [String], listing noun: String) -> String {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0)) }.min { $0.1 < $1.1 }
        if let (best, d) = scored, d <= max(2, best.count / 4) { return " (did you mean '\(best)'?)" }
        return " (\(noun): \(candidates.joined(separator: ", ")))"
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var prev = row[0]
            row[0] = i
            for j in 1...b.count {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return row[b.count]
    }
}
