import Foundation
import GuestCapCore

/// The effective policy, as `guestcap policy check --format json` prints it: every rule with the
/// setting in force, the J switches, each pool with its members' J, and each waiver with whether it
/// is in force at the moment given.
public struct PolicyDescription: Codable, Sendable, Equatable {
    /// One rule's setting.
    public struct RuleDoc: Codable, Sendable, Equatable {
        public var rule: Rule
        public var enabled: Bool
        public var severity: Severity
        public var defaultSeverity: Severity
        /// Whether the policy changed the rule's enabled flag or severity.
        public var changed: Bool
        enum CodingKeys: String, CodingKey {
            case rule, enabled, severity
            case defaultSeverity = "default_severity"
            case changed
        }
    }

    /// One pool member and what it can back.
    public struct MemberDoc: Codable, Sendable, Equatable {
        public var name: String
        public var path: String
        public var hostname: String
        /// J of the member under this policy's switches (`0x…`).
        public var justified: String
        /// The bits of J, by name.
        public var justifiedBits: [String]
        enum CodingKeys: String, CodingKey {
            case name, path, hostname, justified
            case justifiedBits = "justified_bits"
        }
    }

    /// One migration pool.
    public struct PoolDoc: Codable, Sendable, Equatable {
        public var name: String
        /// Guest patterns; `["*"]` for every guest.
        public var guests: [String]
        public var members: [MemberDoc]
    }

    /// One waiver.
    public struct WaiverDoc: Codable, Sendable, Equatable {
        public var line: Int?
        public var guests: [String]
        public var rule: Rule
        /// The waived bits; nil when every bit of the rule is waived.
        public var bits: [String]?
        public var reason: String
        /// The last day it applies, as written (`2027-03-31`); it ends at the following midnight UTC.
        public var expires: String
        /// Whether it is in force at ``PolicyDescription/evaluatedAt``.
        public var active: Bool
    }

    /// `guestcap.policy/v1`.
    public var schema: String
    /// The policy file, nil for the built-in policy.
    public var path: String?
    /// SHA-256 of the policy file's bytes.
    public var sha256: String
    /// The moment waivers were judged at.
    public var evaluatedAt: Date
    public var kvmSynthesis: Bool
    public var qemuFbClear: Bool
    /// Every rule, in the order of policy-model §3.
    public var rules: [RuleDoc]
    public var pools: [PoolDoc]
    public var waivers: [WaiverDoc]

    enum CodingKeys: String, CodingKey {
        case schema, path, sha256
        case evaluatedAt = "evaluated_at"
        case kvmSynthesis = "kvm_synthesis"
        case
            qemuFbClear = "qemu_fb_clear"
        case rules, pools, waivers
    }

    /// Describes a policy, judging waivers at `now`.
    public init(_ policy: Policy, now: Date) {
        schema = "guestcap.policy/v1"
        path = policy.path
        sha256 = policy.sha256
        evaluatedAt = now
        kvmSynthesis = policy.justification.kvmSynthesis
        qemuFbClear = policy.justification.qemuFbClear
        rules = Rule.allCases.map { rule in
            let s = policy.setting(for: rule)
            return RuleDoc(
                rule: rule, enabled: s.enabled, severity: s.severity, defaultSeverity: rule.defaultSeverity,
                changed: !s.enabled || s.severity != rule.defaultSeverity)
        }
        pools = policy.pools.map { pool in
            PoolDoc(
                name: pool.name, guests: Self.patterns(pool.guests),
                members: pool.members.map { m in
                    let j = HostAssessment(snapshot: m.snapshot, options: policy.justification).justified
                    return MemberDoc(
                        name: m.name, path: m.path, hostname: m.snapshot.hostname,
                        justified: j.hex, justifiedBits: j.names)
                })
        }
        waivers = policy.waivers.map { w in
            WaiverDoc(
                line: w.line, guests: Self.patterns(w.guests), rule: w.rule, bits: w.bits?.names,
                reason: w.reason, expires: w.expiresText, active: w.isActive(at: now))
        }
    }

    static func patterns(_ selector: GuestSelector) -> [String] {
        selector.all ? ["*"] : selector.patterns.map(\.pattern)
    }
}

/// The effective policy as text, for `guestcap policy check FILE`: which rules run at which
/// severity (and what the file changed), the J switches, each pool member's J, and each waiver
/// with whether it is in force at `now`.
public func describePolicy(_ p: Policy, now: Date) -> String {
    let d = PolicyDescription(p, now: now)
    var out: [String] = []
    out.append("policy \(d.path ?? "(built-in)")")
    out.append("sha256 \(d.sha256)")
    out.append("J: kvm_synthesis \(d.kvmSynthesis ? "on" : "off"), qemu_fb_clear \(d.qemuFbClear ? "on" : "off")")
    out.append("")
    out.append("rules")
    let width = Rule.allCases.map(\.rawValue.count).max() ?? 0
    for r in d.rules {
        let name = r.rule.rawValue.padding(toLength: width, withPad: " ", startingAt: 0)
        var line = "  \(name)  " + (r.enabled ? r.severity.rawValue : "off")
        if r.changed {
            line =
                line.padding(toLength: width + 14, withPad: " ", startingAt: 0)
                + "(default \(r.defaultSeverity.rawValue))"
        }
        out.append(line)
    }
    out.append("")
    out.append(d.pools.isEmpty ? "pools: none" : "pools")
    for pool in d.pools {
        out.append(
            "  \(pool.name): guests \(pool.guests.joined(separator: ", ")); \(pool.members.count) member"
                + (pool.members.count == 1 ? "" : "s"))
        for m in pool.members {
            out.append("    \(m.name)  \(m.path)")
            out.append("      J \(m.justified) [\(m.justifiedBits.joined(separator: ", "))]")
        }
    }
    out.append("")
    out.append(d.waivers.isEmpty ? "waivers: none" : "waivers")
    for (w, waiver) in zip(d.waivers, p.waivers) {
        let bits = w.bits.map { " bits " + $0.joined(separator: ", ") } ?? " (every bit)"
        let state: String
        if w.active {
            let days = Int((waiver.expires.timeIntervalSince(now) / 86_400).rounded(.up))
            state = "active, \(days) day\(days == 1 ? "" : "s") left"
        } else {
            state = "EXPIRED: its findings are open again"
        }
        let at = w.line.map { "line \($0): " } ?? ""
        out.append(
            "  \(at)\(w.guests.joined(separator: ", ")): \(w.rule.rawValue)\(bits) until \(w.expires) (\(state))")
        out.append("    reason: \(w.reason)")
    }
    return out.joined(separator: "\n") + "\n"
}
