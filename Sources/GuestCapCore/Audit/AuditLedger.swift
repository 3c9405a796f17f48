import Foundation

/// What the auditor knows about the guests between rounds: every watched file's latest input
/// and findings, who each guest is, which guests violate. A round's inputs go in through
/// ``apply(_:bootHost:)``, its transitions come out; reading files, the store and the journal
/// stay with the caller.
///
/// Identity follows policy-model §3: (source, UUID), or the path when a file has no UUID or
/// another file of its source claims the same one.
public struct AuditLedger: Sendable {
    /// The key of the process scan among the watched directories.
    public static let processKey = "process-scan"

    /// The host a running guest started under (policy-model §2), nil: the current one. Given the
    /// configuration and when the guest was first seen; the caller knows process start times
    /// and earlier hosts.
    public typealias BootHost = (_ config: GuestConfig, _ firstSeen: Date) -> HostAssessment?

    /// Where a guest's configuration lives: watched directory and file.
    struct EntryRef: Hashable {
        let dir: String
        let path: String
    }

    /// Watched directory (or ``processKey``) → the kind of guests in it.
    public private(set) var kinds: [String: GuestSource]
    /// Directory → path → guest. Changed only through ``put(_:dir:path:)``.
    private var entries: [String: [String: GuestEntry]] = [:]
    /// (source, UUID) → the files claiming it: kept up to date so that a round needs no pass
    /// over every guest.
    private var claims: [String: Set<EntryRef>] = [:]
    /// Guests a partial round must look at: changed, or sharing a UUID whose claimants changed.
    private var touched: Set<EntryRef> = []
    /// Guests with an open violation, for the counts.
    private var violating: Set<EntryRef> = []
    /// First-seen times from earlier runs, by identity.
    private let firstSeen: [String: Date]
    /// Findings from earlier runs by file, for files unreadable since then (first round only).
    private var carried: [String: [FindingRecord]] = [:]

    /// Identities that may have left outside a file's removal: a guest's identity changed in
    /// evaluation, or its directory is no longer watched. Gone unless still present.
    private var departed: [GuestIdentity] = []
    /// Findings of guests re-evaluated or removed this round: before and after.
    private var roundOld: [FindingRecord] = []
    private var roundNew: [FindingRecord] = []

    /// A ledger watching `kinds`, knowing nothing yet. `restored` are the findings in force from
    /// an earlier run and `firstSeen` when each identity was first seen then.
    public init(kinds: [String: GuestSource], restored: [FindingRecord] = [], firstSeen: [String: Date] = [:]) {
        self.kinds = kinds
        self.firstSeen = firstSeen
        for r in restored where r.source != nil && r.rule != .configUnreadable {
            if let path = r.configPath { carried[path, default: []].append(r) }
        }
    }

    /// Guests known.
    public var guestCount: Int { entries.values.reduce(0) { $0 + $1.count } }
    /// Guests with an open violation.
    public var violatingCount: Int { violating.count }
    /// Every guest's status.
    public var statuses: [GuestStatus] { entries.values.flatMap { $0.values.lazy.map(\.status) } }

    /// Applies one round: the watched directories, the guests read, then evaluates what changed
    /// (or everything) and diffs it against the findings in force.
    public mutating func apply(_ round: Round, bootHost: BootHost) -> RoundResult {
        departed = []
        roundOld = []
        roundNew = []
        if let new = round.kinds { watch(new) }
        var removed: [GuestIdentity] = []
        for (dir, inputs) in round.rescanned where kinds[dir] != nil && dir != Self.processKey {
            removed += rescan(dir, with: inputs, deferred: round.deferred, at: round.now)
        }
        for file in round.changed where kinds[file.dir] != nil {
            removed += reread(file.path, in: file.dir, as: file.input, at: round.now)
        }
        if let processes = round.processes, kinds[Self.processKey] != nil {
            removed += replace(Self.processKey, with: processes, at: round.now)
        }
        let verdicts = evaluate(all: round.all, engine: round.engine, host: round.host, bootHost: bootHost)
        carried = [:]
        removed += departed
        var gone: [GuestIdentity] = []
        if !removed.isEmpty {
            let present = Set(entries.values.flatMap { $0.values.compactMap(\.identity) })
            gone = Array(Set(removed).subtracting(present))
        }
        guard round.all else {
            // Only the guests re-evaluated or removed this round can have changed.
            let drafts = AuditDiff.transitions(previous: Self.unique(roundOld), current: roundNew)
            return RoundResult(verdicts: verdicts, gone: gone, transitions: drafts, current: nil)
        }
        var current: [FindingRecord] = []
        for guests in entries.values { for e in guests.values { current += e.records } }
        current += FindingRecord.records(hostFindings: round.engine.hostFindings(round.host), host: round.host)
        let drafts = AuditDiff.transitions(previous: Array(round.inForce.values), current: current)
        return RoundResult(verdicts: verdicts, gone: gone, transitions: drafts, current: current)
    }

    /// Records seen twice (an entry re-read and then re-evaluated in one round) count once, first wins.
    static func unique(_ records: [FindingRecord]) -> [FindingRecord] {
        var seen = Set<String>()
        return records.filter { seen.insert($0.findingID).inserted }
    }

    // MARK: - Directories and files

    /// Adopts new watched directories: guests of one whose kind changed or that is no longer
    /// watched leave the audit.
    private mutating func watch(_ new: [String: GuestSource]) {
        for (dir, kind) in new where kinds[dir] != kind { departed += removeAll(in: dir) }
        for dir in kinds.keys where new[dir] == nil { departed += removeAll(in: dir) }
        kinds = new
    }

    /// Replaces a directory's guests, keeping files being written as they were (their findings
    /// stay in force: they are neither re-read nor gone); returns identities that left it.
    private mutating func rescan(
        _ dir: String, with inputs: [GuestInput], deferred: Set<String>,
        at now: Date
    ) -> [GuestIdentity] {
        let kept = Set(deferred.filter { $0.hasPrefix(dir + "/") && entries[dir]?[$0] != nil })
        return replace(dir, with: inputs.filter { !deferred.contains($0.path) }, keeping: kept, at: now)
    }

    /// Replaces a directory's guests with inputs and the kept paths' old entries; returns
    /// identities no longer there.
    private mutating func replace(
        _ dir: String, with inputs: [GuestInput], keeping kept: Set<String> = [],
        at now: Date
    ) -> [GuestIdentity] {
        let old = entries[dir] ?? [:]
        var new: [String: GuestEntry] = [:]
        for path in kept { new[path] = old[path] }
        for input in inputs { new[input.path] = update(old[input.path], with: input, dir: dir, at: now) }
        for (path, e) in old where new[path] == nil {
            roundOld += e.records
            put(nil, dir: dir, path: path)
        }
        for (path, e) in new { put(e, dir: dir, path: path) }
        if entries[dir] == nil { entries[dir] = [:] }
        return old.compactMap { path, e in new[path] == nil ? e.identity : nil }
    }

    /// Takes one file's new input (nil: gone or not a guest); returns the identity it had when gone.
    private mutating func reread(
        _ path: String, in dir: String, as input: GuestInput?,
        at now: Date
    ) -> [GuestIdentity] {
        let old = entries[dir]?[path]
        if let input {
            put(update(old, with: input, dir: dir, at: now), dir: dir, path: path)
            return []
        }
        put(nil, dir: dir, path: path)
        if let old { roundOld += old.records }
        return old?.identity.map { [$0] } ?? []
    }

    /// The entry for an input: the old one when nothing changed.
    private func update(_ old: GuestEntry?, with input: GuestInput, dir: String, at now: Date) -> GuestEntry {
        var e = old ?? GuestEntry(source: kinds[dir] ?? .libvirt, path: input.path, firstSeen: now)
        switch input {
        case .config(let config):
            if let old, case .config(let c) = old.input, c == config { return old }
            e.source = config.source
            e.lastGood = config
        case .unreadable(_, let source, let error):
            if let old, case .unreadable(_, let s, let err) = old.input, s == source, err == error { return old }
            if e.lastGood == nil { e.carried = carried[input.path] ?? [] }
        }
        e.input = input
        e.dirty = true
        return e
    }

    /// Forgets a directory's guests; returns their identities.
    private mutating func removeAll(in dir: String) -> [GuestIdentity] {
        let old = entries[dir] ?? [:]
        for path in old.keys { put(nil, dir: dir, path: path) }
        entries[dir] = nil
        return old.values.compactMap(\.identity)
    }

    /// Sets or removes one guest, keeping ``claims``, ``touched`` and ``violating`` current.
    private mutating func put(_ new: GuestEntry?, dir: String, path: String) {
        let ref = EntryRef(dir: dir, path: path)
        if new?.status == .violating {
            violating.insert(ref)
        } else {
            violating.remove(ref)
        }
        let oldKey = entries[dir]?[path]?.identityInput.uuidClaim
        let newKey = new?.identityInput.uuidClaim
        if let new { entries[dir, default: [:]][path] = new } else { entries[dir]?[path] = nil }
        if oldKey != newKey {
            if let k = oldKey {
                claims[k]?.remove(ref)
                if claims[k]?.isEmpty == true { claims[k] = nil }
                touched.formUnion(claims[k] ?? [])
            }
            if let k = newKey {
                touched.formUnion(claims[k] ?? [])
                claims[k, default: []].insert(ref)
            }
        }
        if new?.dirty == true { touched.insert(ref) }
    }

    // MARK: - Evaluation

    /// Evaluates every dirty guest (or all); returns their verdicts for the store.
    private mutating func evaluate(
        all: Bool, engine: PolicyEngine, host: HostAssessment,
        bootHost: BootHost
    ) -> [GuestVerdict] {
        let refs =
            all
            ? entries.flatMap { dir, guests in guests.keys.map { EntryRef(dir: dir, path: $0) } }
            : Array(touched)
        touched = []
        var verdicts: [GuestVerdict] = []
        for ref in refs {
            guard var e = entries[ref.dir]?[ref.path] else { continue }
            let id = identity(of: e)
            if e.identity != id {
                // The old identity (by path while its UUID was shared, or the reverse) is gone
                // unless another file still has it.
                if let old = e.identity { departed.append(old) }
                e.identity = id
                e.dirty = true
            }
            guard all || e.dirty else { continue }
            roundOld += e.records
            verdicts.append(evaluate(&e, identity: id, engine: engine, host: host, bootHost: bootHost))
            roundNew += e.records
            e.dirty = false
            put(e, dir: ref.dir, path: ref.path)
        }
        return verdicts
    }

    /// (source, UUID), unless another file of that source claims the UUID too; then the path.
    private func identity(of e: GuestEntry) -> GuestIdentity {
        let input = e.identityInput
        return input.identity(claimants: input.uuidClaim.map { claims[$0]?.count ?? 0 } ?? 0)
    }

    /// Evaluates one guest: keeps its findings, returns its verdict (for the store only; not kept,
    /// to keep the daemon small with thousands of guests).
    private func evaluate(
        _ e: inout GuestEntry, identity: GuestIdentity, engine: PolicyEngine,
        host: HostAssessment, bootHost: BootHost
    ) -> GuestVerdict {
        let seen = firstSeen[identity.description] ?? e.firstSeen
        /// Running guests meet the host they started under.
        func booted(_ c: GuestConfig) -> HostAssessment? {
            c.source.isLive || c.pid != nil ? bootHost(c, seen) : nil
        }
        switch e.input {
        case .config(let c):
            let v = engine.evaluate(c, identity: identity, bootHost: booted(c), current: host)
            e.records = FindingRecord.records(for: v, host: host)
            return v
        case .unreadable(_, let source, let error):
            var kept = e.carried
            if let good = e.lastGood {
                let v = engine.evaluate(good, identity: identity, bootHost: booted(good), current: host)
                kept = FindingRecord.records(for: v, host: host)
            }
            let v = engine.unreadable(
                source: source, path: e.path, error: error, identity: identity,
                name: e.lastGood?.name ?? e.carried.first?.guestName,
                uuid: e.lastGood?.uuid ?? e.carried.first?.guestUUID)
            e.records = kept + FindingRecord.records(for: v, host: host)
            return v
        }
    }
}
