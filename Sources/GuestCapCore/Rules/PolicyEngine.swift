import Foundation

/// Applies the rules of policy-model §3 under a policy at a moment in time. Pure: the caller
/// supplies hosts, configurations and the clock.
public struct PolicyEngine: Sendable {
    public let policy: Policy
    public let now: Date
    /// Pool members assessed once under the policy's justification options.
    private let poolHosts: [(pool: MigrationPool, member: MigrationPool.Member, assessment: HostAssessment)]

    /// Creates an engine.
    public init(policy: Policy = .builtIn, now: Date) {
        self.policy = policy
        self.now = now
        self.poolHosts = policy.pools.flatMap { pool in
            pool.members.map { (pool, $0, HostAssessment(snapshot: $0.snapshot, options: policy.justification)) }
        }
    }

    /// Derives J and kvm_default from a snapshot under this policy.
    public func assess(_ snapshot: HostSnapshot) -> HostAssessment {
        HostAssessment(snapshot: snapshot, options: policy.justification)
    }

    // MARK: - Host

    /// Host-level findings: CPUs that disagree, an MSR that cannot be read.
    public func hostFindings(_ host: HostAssessment) -> [Finding] {
        let subject = "host:" + (host.snapshot.machineID ?? host.snapshot.hostname)
        var out: [Finding] = []
        if host.msrStatus == .inconsistent,
            let f = make(
                subject, .hostMSRInconsistent, differingBits(host),
                message: { _ in
                    let groups = host.disagreement.map { g in
                        "\(g.value.map(CapabilitySet.hex) ?? "absent") on CPU \(Self.cpuList(g.cpus))"
                    }
                    return "the CPUs disagree on IA32_ARCH_CAPABILITIES: " + groups.joined(separator: "; ")
                        + " (mixed microcode after a failed late load, or a hybrid part); J uses bits all CPUs report"
                })?.finding
        {
            out.append(f)
        }
        if host.msrStatus == .unreadable,
            let f = make(
                subject, .hostMSRUnreadable, .empty,
                message: { _ in
                    "MSR 0x10a could not be read: " + (host.notes.first ?? "no CPU could be read")
                })?.finding
        {
            out.append(f)
        }
        if let reported = host.kvmReported, reported != host.kvmDefaultComputed {
            let differing = CapabilitySet(rawValue: reported.rawValue ^ host.kvmDefaultComputed.rawValue)
            if let f = make(
                subject, .kvmDefaultDiffers, differing,
                message: { _ in
                    var text =
                        "KVM reports \(reported) for new guests, but the host's facts give \(host.kvmDefaultComputed); "
                        + "guestcap uses KVM's value for what QEMU passes"
                    if host.msrStatus == .unreadable {
                        text += " (the computed value lacks the hardware bits: the MSR could not be read)"
                    }
                    return text
                })?.finding
            {
                out.append(f)
            }
        }
        return out
    }

    private func differingBits(_ host: HostAssessment) -> CapabilitySet {
        let values = host.disagreement.map { $0.value ?? 0 }
        let and = values.reduce(UInt64.max, &)
        let or = values.reduce(0, |)
        return CapabilitySet(rawValue: or & ~and)
    }

    // MARK: - Guests

    /// Evaluates a parsed guest. `bootHost` is the host in effect when a running guest started
    /// (nil: the current host); findings are judged against `current`.
    public func evaluate(
        _ config: GuestConfig, identity: GuestIdentity, bootHost: HostAssessment? = nil,
        current: HostAssessment
    ) -> GuestVerdict {
        let values = GuestValues(config: config, host: bootHost ?? current)
        let r = values.requested
        let g = values.told
        let subject = identity.description
        let j = current.justified
        var out: [Draft] = []
        func originsOf(_ value: AdvertisedValue) -> (CapabilitySet) -> [ConfigOrigin] {
            { bits in
                var seen: [ConfigOrigin] = []
                for n in bits.bitNumbers { if let o = value.provenance[n], !seen.contains(o) { seen.append(o) } }
                return seen
            }
        }
        let origins = originsOf(g)
        func told(_ bits: CapabilitySet) -> String { bits.names.joined(separator: ", ") }

        if let model = r.unknownModel,
            let f = make(
                subject, .unknownModel, .empty, origins: { _ in r.unknownModelOrigin.map { [$0] } ?? [] },
                message: { _ in
                    "CPU model '\(model)' is not in guestcap's table, so the bits it sets are unknown; G counts only explicit features"
                })
        {
            out.append(f)
        }

        if !values.dropped.isEmpty {
            let severity = policy.rules[.requestDropped]?.severity ?? (values.refusesToStart ? .warning : .notice)
            add(
                to: &out, subject, .requestDropped, values.dropped, severity: severity, origins: originsOf(r),
                message: { b in
                    var v = values
                    v.dropped = b
                    return v.dropReason() + (values.refusesToStart ? ": it will not start here" : "")
                })
        }

        let claimClasses = CapabilitySet.of(.immunity).union(.of(.mitigation))
        if g.visible {
            let immunity = g.value.intersection(.of(.immunity)).subtracting(j)
            add(
                to: &out, subject, .unjustifiedImmunity, immunity, origins: origins,
                message: { b in
                    "told \(told(b)) but \(Self.unbacked(b, current))"
                })
            let mitigation = g.value.intersection(.of(.mitigation)).subtracting(j)
            add(
                to: &out, subject, .unjustifiedMitigation, mitigation, origins: origins,
                message: { b in
                    "told \(told(b)) but this host's hardware does not provide it"
                })
            let disclosure = current.hardware.intersection(.of(.disclosure)).subtracting(g.value)
            add(
                to: &out, subject, .hiddenDisclosure, disclosure,
                message: { b in
                    "not told \(told(b)), which this host's CPUs report: the guest may under-mitigate RET prediction"
                })
            var control = g.value.intersection(.of(.control))
            if current.hardware.isSuperset(of: Self.tsxCtrl) { control.subtract(Self.tsxCtrl) }
            add(
                to: &out, subject, .unsupportedControl, control, origins: origins,
                message: { b in
                    "told \(told(b)) exists, which KVM cannot emulate on this host"
                })
            let reserved = g.value.intersection(.of(.reserved))
            add(
                to: &out, subject, .reservedBits, reserved, origins: origins,
                message: { b in
                    "told reserved bits \(told(b)) that no one has defined"
                })
            let missed = j.intersection(.of(.immunity)).intersection(values.passable(on: current)).subtracting(g.value)
            add(
                to: &out, subject, .missedImmunity, missed,
                message: { b in
                    "not told \(told(b)), which this host backs and its VMM could pass: the guest mitigates what it need not"
                })
        } else if r.unknownModel == nil {
            let immune = j.intersection(.of(.immunity))
            let why = values.accelerator == .tcg ? " (QEMU with TCG hides it)" : ""
            add(
                to: &out, subject, .msrHidden, immune,
                message: { b in
                    "cannot read IA32_ARCH_CAPABILITIES\(why), so it assumes every flaw; this host backs \(told(b))"
                })
        }

        for (pool, member, assessment) in poolHosts where pool.guests.matches(name: config.name, uuid: config.uuid) {
            let fallback =
                assessment.kvmReported == nil && values.accelerator == .kvm
                ? " (\(member.name)'s snapshot has no KVM-reported value: its computed kvm_default stands in)" : ""
            // Outgoing: told here, moved to the pool host.
            if g.visible {
                let unsafe = g.value.intersection(claimClasses).subtracting(assessment.justified)
                add(
                    to: &out, subject, .migrationUnsafe, unsafe, pool: pool.name, poolHost: member.name,
                    direction: .outgoing,
                    origins: origins,
                    message: { b in
                        "pool '\(pool.name)': told \(told(b)) here; moved to \(member.name), \(Self.unbacked(b, assessment, host: member.name))"
                    })
            }
            // Incoming: told when booted on the pool host, moved here.
            let there = GuestValues(config: config, host: assessment).told
            if there.visible {
                let unsafe = there.value.intersection(claimClasses).subtracting(j)
                add(
                    to: &out, subject, .migrationUnsafe, unsafe, pool: pool.name, poolHost: member.name,
                    direction: .incoming,
                    origins: originsOf(there),
                    message: { b in
                        "pool '\(pool.name)': booted on \(member.name) it is told \(told(b)); moved here, \(Self.unbacked(b, current, host: "this host"))\(fallback)"
                    })
            }
        }
        let findings = applyWaivers(out, name: config.name, uuid: config.uuid, subject: subject)
        return GuestVerdict(
            identity: identity, source: config.source, path: config.path, name: config.name,
            uuid: config.uuid, status: .of(findings), findings: findings, config: config, values: values)
    }

    /// A guest whose configuration cannot be read or parsed.
    public func unreadable(
        source: GuestSource, path: String, error: String, identity: GuestIdentity? = nil,
        name: String? = nil, uuid: String? = nil
    ) -> GuestVerdict {
        let id = identity ?? GuestIdentity(source: source, path: path)
        let f = make(
            id.description, .configUnreadable, .empty,
            message: { _ in error.hasPrefix(path) ? error : "\(path): \(error)" })
        return GuestVerdict(
            identity: id, source: source, path: path, name: name, uuid: uuid, status: .unreadable,
            error: error, findings: f.map { [$0.finding] } ?? [])
    }

    // MARK: - Helpers

    /// The tsx-ctrl bit, which KVM emulates when the host has it.
    private static let tsxCtrl = CapabilitySet(rawValue: ArchCapCatalog.bit(named: "tsx-ctrl")?.mask ?? 0)
    /// Rules that fire without bits.
    private static let bitless: Set<Rule> = [.unknownModel, .hostMSRUnreadable, .configUnreadable]

    /// A finding and how to word it for a subset of its bits (a waiver split names only its part).
    struct Draft {
        var finding: Finding
        let message: (CapabilitySet) -> String
        let origins: (CapabilitySet) -> [ConfigOrigin]

        /// The same finding restricted to some of its bits, worded for them.
        func narrowed(to bits: CapabilitySet, subject: String, state: FindingState, waiver: Waiver?) -> Draft {
            let f = finding
            return Draft(
                finding: Finding(
                    subject: subject, rule: f.rule, severity: f.severity, bits: bits, pool: f.pool,
                    poolHost: f.poolHost, direction: f.direction, message: message(bits), state: state, waiver: waiver,
                    origins: origins(bits)),
                message: message, origins: origins)
        }
    }

    private func make(
        _ subject: String, _ rule: Rule, _ bits: CapabilitySet, severity: Severity? = nil,
        pool: String? = nil, poolHost: String? = nil, direction: MigrationDirection? = nil,
        origins: @escaping (CapabilitySet) -> [ConfigOrigin] = { _ in [] },
        message: @escaping (CapabilitySet) -> String
    ) -> Draft? {
        let setting = policy.setting(for: rule)
        guard setting.enabled else { return nil }
        guard !bits.isEmpty || Self.bitless.contains(rule) else { return nil }
        let finding = Finding(
            subject: subject, rule: rule, severity: severity ?? setting.severity, bits: bits, pool: pool,
            poolHost: poolHost, direction: direction, message: message(bits), origins: origins(bits))
        return Draft(finding: finding, message: message, origins: origins)
    }

    /// Appends the finding ``make(_:_:_:severity:pool:poolHost:direction:origins:message:)`` drafts, if any.
    private func add(
        to out: inout [Draft], _ subject: String, _ rule: Rule, _ bits: CapabilitySet, severity: Severity? = nil,
        pool: String? = nil, poolHost: String? = nil, direction: MigrationDirection? = nil,
        origins: @escaping (CapabilitySet) -> [ConfigOrigin] = { _ in [] },
        message: @escaping (CapabilitySet) -> String
    ) {
        if let draft = make(
            subject, rule, bits, severity: severity, pool: pool, poolHost: poolHost, direction: direction,
            origins: origins, message: message)
        {
            out.append(draft)
        }
    }

    /// Splits and marks findings by the waivers that name their guest and rule. An expired
    /// waiver still splits, so its part keeps its id and turns from waived back to open; a later
    /// waiver that is in force still covers that part (a renewal added below the expired one).
    func applyWaivers(_ drafts: [Draft], name: String?, uuid: String?, subject: String) -> [Finding] {
        var result: [Finding] = []
        for draft in drafts {
            var pending = [draft]
            for waiver in policy.waivers
            where waiver.rule == draft.finding.rule && waiver.guests.matches(name: name, uuid: uuid) {
                var next: [Draft] = []
                for d in pending {
                    let f = d.finding
                    guard f.state == .open else {
                        next.append(d)
                        continue
                    }
                    let covered = waiver.bits.map { f.bits.intersection($0) } ?? f.bits
                    let state: FindingState = waiver.isActive(at: now) ? .waived : .open
                    if waiver.bits == nil || covered == f.bits {
                        var w = d
                        w.finding.state = state
                        w.finding.waiver = waiver
                        next.append(w)
                    } else if covered.isEmpty {
                        next.append(d)
                    } else {
                        next.append(d.narrowed(to: covered, subject: subject, state: state, waiver: waiver))
                        next.append(
                            d.narrowed(to: f.bits.subtracting(covered), subject: subject, state: .open, waiver: nil))
                    }
                }
                pending = next
            }
            result += pending.map(\.finding)
        }
        return result.sorted {
            ($0.severity, $0.rule, $0.poolHost ?? "", $0.direction?.rawValue ?? "", $0.bits.rawValue)
                < ($1.severity, $1.rule, $1.poolHost ?? "", $1.direction?.rawValue ?? "", $1.bits.rawValue)
        }
    }

    /// Why a host does not back some claimed bits, in words that match the evidence: "this host is
    /// affected (…)" only when every verdict shown says so.
    static func unbacked(_ bits: CapabilitySet, _ host: HostAssessment, host name: String = "this host") -> String {
        var parts: [String] = []
        var affected = true
        for b in bits.bits {
            guard let file = ArchCapCatalog.verdictFile[b.name] else {
                affected = false
                continue
            }
            let line = host.snapshot.vulnerabilities[file]
            if line == nil || HostAssessment.notAffected(line) { affected = false }
            let part = "\(file): \(line.map { "'\($0)'" } ?? "no verdict")"
            if !parts.contains(part) { parts.append(part) }
        }
        let evidence = parts.isEmpty ? "not in its MSR" : parts.joined(separator: "; ")
        return affected && !parts.isEmpty ? "\(name) is affected (\(evidence))" : "\(name) cannot back it (\(evidence))"
    }

    /// `0-3,8`.
    static func cpuList(_ cpus: [Int]) -> String {
        var ranges: [String] = []
        var i = 0
        let s = cpus.sorted()
        while i < s.count {
            var j = i
            while j + 1 < s.count && s[j + 1] == s[j] + 1 { j += 1 }
            ranges.append(i == j ? "\(s[i])" : "\(s[i])-\(s[j])")
            i = j + 1
        }
        return ranges.joined(separator: ",")
    }
}
