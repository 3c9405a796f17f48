import Foundation
import Glibc
import GuestCapCore
import GuestCapSources
import GuestCapStore
import Logging

/// Keeps every guest's verdict current and turns changes into transitions: evaluates, diffs
/// against the findings in force, commits to the history store first, then sends one journal
/// entry per transition and marks it sent (policy-model §6). Nothing is logged twice for the
/// same state, also across restarts: the findings in force come from the store.
///
/// Not thread-safe: one task owns it (``AuditorService``); other components reach it through
/// the ``AuditInbox``.
public final class Auditor {
    let store: HistoryStore
    let sink: JournalSink
    let logger: Logger
    let version: String
    let clock: @Sendable () -> Date
    /// Reads configurations within the configured size limit (changes on reload).
    var loader: GuestConfigLoader { GuestConfigLoader(limits: configuration.readLimits) }

    private(set) var configuration: DaemonConfiguration
    private(set) var policy: Policy
    private var engine: PolicyEngine

    private(set) var host: HostAssessment
    private var hostID: Int64 = 0
    private var lastEvaluation: Date

    /// Watched directory (or the process-scan key) → its kind.
    private var kinds: [String: GuestSource] = [:]
    /// Directory → path → guest. Changed only through ``put(_:dir:path:)``.
    private var entries: [String: [String: GuestEntry]] = [:]
    /// (source, UUID) → the files claiming it: a UUID claimed twice identifies neither file
    /// (policy-model §3). Kept up to date so that a round needs no pass over every guest.
    private var claims: [String: Set<EntryRef>] = [:]
    /// Guests a partial round must look at: changed, or sharing a UUID whose claimants changed.
    private var touched: Set<EntryRef> = []
    /// Guests with an open violation, for the counts.
    private var violating: Set<EntryRef> = []
    /// Identities that may have left outside a file's removal: a guest's identity changed in
    /// evaluation, or a reload stopped watching its directory. Gone unless still present.
    private var departed: [GuestIdentity] = []

    /// Findings in force as the journal last reported them, by finding id.
    private var journalByID: [String: FindingRecord] = [:]
    private var journalView: [FindingRecord] {
        get { Array(journalByID.values) }
        set { journalByID = Dictionary(newValue.map { ($0.findingID, $0) }) { first, _ in first } }
    }
    /// Findings in force as the store has them, when it could not be written (nil: same as journal).
    private var storeView: [FindingRecord]?
    private var goneWhileDegraded: Set<GuestIdentity> = []
    private var degradedSince: Date?

    /// Restart support: first-seen times and findings kept for files unreadable since before.
    private var firstSeen: [String: Date] = [:]
    private var carried: [String: [FindingRecord]] = [:]
    private var bootHosts: [Int64: HostAssessment] = [:]
    private var runID: Int64?
    /// Findings of guests re-evaluated or removed this round: before and after.
    private var roundOld: [FindingRecord] = []
    private var roundNew: [FindingRecord] = []
    /// Whether this round must diff everything (start, host or policy change, store catching up).
    private var fullDiff = false
    /// Whether this round recorded a host sample (a host-changed entry may wait).
    private var hostRecorded = false

    /// Whether some journal entries wait for a resend.
    public private(set) var needsResend = false
    /// Guests and violating guests after the last round.
    public private(set) var counts: (guests: Int, violating: Int) = (0, 0)

    static let processKey = "process-scan"

    /// An auditor over an open store. Nothing is read until ``start(snapshot:)``.
    public init(configuration: DaemonConfiguration, policy: Policy, store: HistoryStore, sink: JournalSink,
                logger: Logger, version: String, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.policy = policy
        self.store = store
        self.sink = sink
        self.logger = logger
        self.version = version
        self.clock = clock
        let now = clock()
        self.engine = PolicyEngine(policy: policy, now: now)
        self.host = engine.assess(HostSnapshot(hostname: "unknown"))
        self.lastEvaluation = now
        for s in configuration.sources { kinds[Self.normalize(s.directory)] = s.kind }
        if configuration.processScanInterval != nil { kinds[Self.processKey] = .qemu }
    }

    // MARK: - Life cycle

    /// The first audit: resends what a previous run could not send, records the host, reads
    /// every watched directory, commits and logs, then logs *daemon started*.
    /// - Throws: ``StoreError`` when the store cannot even be read.
    public func start(snapshot: HostSnapshot, processes: [LoadOutcome]?) throws(StoreError) {
        let now = clock()
        runID = try? store.beginRun(pid: getpid(), version: version, at: now)
        journalView = try store.activeFindings()
        for g in (try? store.knownGuests()) ?? [] { firstSeen[g.identity.description] = g.firstSeen }
        for r in journalView where r.source != nil && r.rule != .configUnreadable {
            if let path = r.configPath { carried[path, default: []].append(r) }
        }
        resendUnsent()
        var work = AuditInbox.Work()
        work.host = snapshot
        work.batch.rescan = Set(kinds.keys.filter { $0 != Self.processKey })
        work.processes = processes
        process(work, all: true)
        carried = [:]
        sink.send(.daemonStarted(guests: counts.guests, violating: counts.violating, version: version))
    }

    /// Logs *daemon stopping* and closes the run in the store.
    public func stop() {
        sink.send(.daemonStopping(guests: counts.guests, violating: counts.violating))
        if let runID { try? store.endRun(runID, at: clock()) }
        try? store.checkpoint()
    }

    // MARK: - A round

    /// Applies one round of work: configuration, host, files, processes; evaluates what changed,
    /// commits and logs the transitions.
    public func process(_ work: AuditInbox.Work, all forceAll: Bool = false) {
        if let why = store.replacedOnDisk {
            // Writing on would commit into a file nobody can see: say so and exit non-zero;
            // systemd (Restart=on-failure) starts a clean run on the file at the path.
            logger.critical("history database gone; exiting for a restart", metadata: ["path": "\(store.path)", "error": "\(why)"])
            sink.send(.storeDegraded(path: store.path, error: why))
            exit(75)
        }
        let now = clock()
        hostRecorded = false
        roundOld = []
        roundNew = []
        var all = forceAll
        var rescan = work.batch.rescan
        if let (config, newPolicy) = work.reload {
            all = true
            rescan.formUnion(applyConfiguration(config))
            policy = newPolicy
        }
        if policy.waivers.contains(where: { $0.expires > lastEvaluation && $0.expires <= now }) { all = true }
        if all { engine = PolicyEngine(policy: policy, now: now) }
        if let snapshot = work.host, recordHost(snapshot, at: now) { all = true }

        var removed: [GuestIdentity] = []
        for dir in rescan where kinds[dir] != nil && dir != Self.processKey {
            removed += rescanDirectory(dir, deferred: work.batch.deferred, at: now)
        }
        for (dir, paths) in work.batch.changed where kinds[dir] != nil && !rescan.contains(dir) {
            for path in paths where !work.batch.deferred.contains(path) {
                removed += reload(path, in: dir, at: now)
            }
        }
        if let processes = work.processes, kinds[Self.processKey] != nil {
            removed += replace(Self.processKey, with: processes, at: now)
        }
        fullDiff = all || storeView != nil
        let verdicts = evaluate(all: fullDiff)
        removed += departed
        departed = []
        lastEvaluation = now
        var gone: [GuestIdentity] = []
        if !removed.isEmpty {
            let present = Set(entries.values.flatMap { $0.values.compactMap(\.identity) })
            gone = Array(Set(removed).subtracting(present))
        }
        commitAndLog(verdicts: verdicts, gone: gone, at: now)
        if work.resend || needsResend { resendUnsent() }
        updateCounts()
        // Reading and evaluating many files leaves freed heap behind; give it back to the system.
        if verdicts.count >= 64 || !rescan.isEmpty { Self.trimHeap() }
    }

    // MARK: - Configuration and host

    /// Adopts a reloaded configuration; returns the directories to read in full.
    private func applyConfiguration(_ new: DaemonConfiguration) -> Set<String> {
        var newKinds: [String: GuestSource] = [:]
        for s in new.sources { newKinds[Self.normalize(s.directory)] = s.kind }
        if new.processScanInterval != nil { newKinds[Self.processKey] = .qemu }
        var rescan: Set<String> = []
        for (dir, kind) in newKinds where kinds[dir] != kind {
            departed += removeAll(in: dir)
            rescan.insert(dir)
        }
        // Guests of a directory no longer watched leave the audit: gone from the store too.
        for dir in kinds.keys where newKinds[dir] == nil { departed += removeAll(in: dir) }
        kinds = newKinds
        configuration = new
        return rescan.subtracting([Self.processKey])
    }

    /// Records a host sample; returns whether the host changed.
    private func recordHost(_ snapshot: HostSnapshot, at now: Date) -> Bool {
        hostRecorded = true
        let changed = snapshot.withoutTimestamp != host.snapshot.withoutTimestamp
        do {
            let (id, isNew) = try store.recordHost(snapshot, at: now)
            hostID = id
            if isNew || changed {
                host = engine.assess(snapshot)
                if isNew {
                    logger.info("new host state recorded", metadata: ["snapshot": "\(id)", "justified": "\(host.justified.hex)"])
                }
                return true
            }
            return false
        } catch {
            storeFailed(error)
            if changed { host = engine.assess(snapshot) }
            return changed
        }
    }

    // MARK: - Files

    /// Reads a whole directory (a missing one is empty); returns identities that left it.
    private func rescanDirectory(_ dir: String, deferred: Set<String>, at now: Date) -> [GuestIdentity] {
        var isDir: ObjCBool = false
        let outcomes = FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue
            ? loader.scan(directory: dir, sourceHint: kinds[dir]) : []
        let old = entries[dir] ?? [:]
        var kept: [LoadOutcome] = outcomes.filter { !deferred.contains($0.path) }
        var keep: [String: GuestEntry] = [:]
        for path in deferred where path.hasPrefix(dir + "/") { if let e = old[path] { keep[path] = e } }
        kept = kept.filter { keep[$0.path] == nil }
        var removed = replace(dir, with: kept, at: now)
        for (path, e) in keep { put(e, dir: dir, path: path) }
        removed = removed.filter { id in !keep.values.contains { $0.identity == id } }
        return removed
    }

    /// Replaces a directory's guests with outcomes; returns identities no longer there.
    private func replace(_ dir: String, with outcomes: [LoadOutcome], at now: Date) -> [GuestIdentity] {
        let old = entries[dir] ?? [:]
        var new: [String: GuestEntry] = [:]
        for outcome in outcomes {
            guard let e = update(old[outcome.path], with: outcome, dir: dir, at: now) else { continue }
            new[outcome.path] = e
        }
        for (path, e) in old where new[path] == nil {
            roundOld += e.records
            put(nil, dir: dir, path: path)
        }
        for (path, e) in new { put(e, dir: dir, path: path) }
        if entries[dir] == nil { entries[dir] = [:] }
        return old.compactMap { path, e in new[path] == nil ? e.identity : nil }
    }

    /// Re-reads one file; returns the identity it had when it is gone.
    private func reload(_ path: String, in dir: String, at now: Date) -> [GuestIdentity] {
        let old = entries[dir]?[path]
        var st = stat()
        let exists = lstat(path, &st) == 0
        let outcome: LoadOutcome? = exists && (st.st_mode & S_IFMT) != S_IFDIR
            ? loader.load(path: path, sourceHint: kinds[dir]).first : nil
        if let outcome, let e = update(old, with: outcome, dir: dir, at: now) {
            put(e, dir: dir, path: path)
            return []
        }
        put(nil, dir: dir, path: path)
        if let old { roundOld += old.records }
        return old?.identity.map { [$0] } ?? []
    }

    /// The entry for an outcome (nil: not a guest).
    private func update(_ old: GuestEntry?, with outcome: LoadOutcome, dir: String, at now: Date) -> GuestEntry? {
        var e = old ?? GuestEntry(source: kinds[dir] ?? .libvirt, path: outcome.path, firstSeen: now)
        switch outcome {
        case .skipped: return nil
        case .guest(let config):
            if case .config(let c)? = old?.input, c == config { return old }
            e.input = .config(config)
            e.source = config.source
            e.lastGood = config
        case .unreadable(_, let source, let error):
            if case .unreadable(let s, let err)? = old?.input, s == source, err == error { return old }
            e.input = .unreadable(source: source, error: error)
            if e.lastGood == nil { e.carried = carried[outcome.path] ?? [] }
        }
        e.dirty = true
        return e
    }

    // MARK: - Evaluation

    /// Evaluates every dirty guest (or all); returns their verdicts for the store.
    private func evaluate(all: Bool) -> [GuestVerdict] {
        let refs = all ? entries.flatMap { dir, guests in guests.keys.map { EntryRef(dir: dir, path: $0) } } : Array(touched)
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
            verdicts.append(evaluate(&e, identity: id))
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

    /// Sets or removes one guest, keeping ``claims``, ``touched`` and ``violating`` current.
    private func put(_ new: GuestEntry?, dir: String, path: String) {
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

    /// Forgets a directory's guests; returns their identities.
    private func removeAll(in dir: String) -> [GuestIdentity] {
        let old = entries[dir] ?? [:]
        for path in old.keys { put(nil, dir: dir, path: path) }
        entries[dir] = nil
        return old.values.compactMap(\.identity)
    }

    /// Evaluates one guest: keeps its findings, returns its verdict (for the store only; not kept,
    /// to keep the daemon small with thousands of guests).
    private func evaluate(_ e: inout GuestEntry, identity: GuestIdentity) -> GuestVerdict {
        switch e.input {
        case .config(let c):
            let v = engine.evaluate(c, identity: identity, bootHost: bootHost(for: c, identity: identity, entry: e),
                                    current: host)
            e.records = FindingRecord.records(for: v, host: host)
            return v
        case .unreadable(let source, let error):
            var kept: [FindingRecord] = []
            if let good = e.lastGood {
                let v = engine.evaluate(good, identity: identity, bootHost: bootHost(for: good, identity: identity, entry: e),
                                        current: host)
                kept = FindingRecord.records(for: v, host: host)
            } else {
                kept = e.carried
            }
            let v = engine.unreadable(source: source, path: e.path, error: error, identity: identity,
                                      name: e.lastGood?.name ?? e.carried.first?.guestName,
                                      uuid: e.lastGood?.uuid ?? e.carried.first?.guestUUID)
            e.records = kept + FindingRecord.records(for: v, host: host)
            return v
        }
    }

    /// The host in effect when a running guest started (policy-model §2), nil: the current one.
    private func bootHost(for config: GuestConfig, identity: GuestIdentity, entry: GuestEntry) -> HostAssessment? {
        guard config.source.isLive || config.pid != nil else { return nil }
        let start = config.pid.flatMap { ProcessStartTime.of(pid: $0, hostRoot: configuration.hostRoot) }
            ?? firstSeen[identity.description] ?? entry.firstSeen
        guard let stored = try? store.host(inEffectAt: start), stored.id != hostID else { return nil }
        if let cached = bootHosts[stored.id] { return cached }
        let assessed = engine.assess(stored.snapshot)
        bootHosts[stored.id] = assessed
        return assessed
    }

    // MARK: - Commit and log

    private func currentRecords() -> [FindingRecord] {
        var out: [FindingRecord] = []
        for guests in entries.values { for e in guests.values { out += e.records } }
        out += FindingRecord.records(hostFindings: engine.hostFindings(host), host: host)
        return out
    }

    private func commitAndLog(verdicts: [GuestVerdict], gone: [GuestIdentity], at now: Date) {
        let current: [FindingRecord]
        let drafts: [TransitionDraft]
        if fullDiff {
            current = currentRecords()
            drafts = AuditDiff.transitions(previous: journalView, current: current)
        } else {
            // Only the guests re-evaluated or removed this round can have changed.
            drafts = AuditDiff.transitions(previous: Self.unique(roundOld), current: roundNew)
            current = []
        }
        let storeDrafts = storeView.map { AuditDiff.transitions(previous: $0, current: current) } ?? drafts
        let recovering = storeView != nil
        if drafts.isEmpty && storeDrafts.isEmpty && verdicts.isEmpty && gone.isEmpty && !(hostRecorded && needsHostLog) { return }
        let commitVerdicts = verdicts
        var commitGone = gone
        if recovering {
            commitGone = Array(goneWhileDegraded.union(gone))
        }
        let clockStart = ContinuousClock.now
        do {
            let records = try store.commit(AuditCommit(at: now, hostSnapshotID: hostID, verdicts: commitVerdicts,
                                                       gone: commitGone, transitions: storeDrafts, runID: runID))
            if recovering {
                logger.notice("history database writable again; caught up")
                storeView = nil
                goneWhileDegraded = []
                degradedSince = nil
            }
            if fullDiff { journalView = current } else { Self.apply(drafts, to: &journalByID) }
            if hostRecorded { sendHostChanges() }
            // While degraded, the journal already has some of these: send only what it lacks.
            let wanted = Set(drafts.map { "\($0.kind.rawValue) \($0.finding.findingID)" })
            var sent: [String] = []
            for r in records {
                if !recovering || wanted.contains("\(r.kind.rawValue) \(r.finding.findingID)") {
                    if sink.send(.transition(r.kind, finding: r.finding, transitionID: r.id)) { sent.append(r.id) }
                    else { needsResend = true }
                } else {
                    sent.append(r.id)
                }
            }
            let sentAt = ContinuousClock.now
            do { try store.markSent(sent) } catch { storeFailed(error) }
            logger.debug("round committed", metadata: [
                "transitions": "\(records.count)", "verdicts": "\(commitVerdicts.count)",
                "commit+send": "\(sentAt - clockStart)", "markSent": "\(ContinuousClock.now - sentAt)"])
        } catch {
            storeFailed(error)
            if storeView == nil { storeView = journalView }
            goneWhileDegraded.formUnion(gone)
            if fullDiff { journalView = current } else { Self.apply(drafts, to: &journalByID) }
            for d in drafts {
                // Not in the store: the journal gets them with ids of their own.
                if !sink.send(.transition(d.kind, finding: d.finding, transitionID: UUID().uuidString.lowercased())) {
                    logger.error("transition neither stored nor logged", metadata: ["finding": "\(d.finding.findingID)"])
                }
            }
        }
    }

    /// Records seen twice (an entry re-read and then re-evaluated in one round) count once, first wins.
    static func unique(_ records: [FindingRecord]) -> [FindingRecord] {
        var seen = Set<String>()
        return records.filter { seen.insert($0.findingID).inserted }
    }

    /// The findings in force after some transitions.
    static func apply(_ drafts: [TransitionDraft], to view: inout [String: FindingRecord]) {
        for d in drafts {
            switch d.kind {
            case .resolved: view[d.finding.findingID] = nil
            case .opened, .waived, .waiverExpired: view[d.finding.findingID] = d.finding
            }
        }
    }

    private var needsHostLog: Bool { (try? store.unsentHostChanges().isEmpty == false) ?? false }

    private func sendHostChanges() {
        guard let changes = try? store.unsentHostChanges(), !changes.isEmpty else { return }
        var sent: [String] = []
        for c in changes {
            let entry = JournalEntry.hostChanged(
                hostname: c.current.snapshot.hostname, snapshotID: String(c.current.id), changeID: c.id,
                changes: c.changes, hardware: c.current.hardware, justified: c.current.justified,
                previousJustified: c.previous?.justified, microcode: c.current.snapshot.cpu.microcode,
                kernel: c.current.snapshot.kernel, machineID: c.current.snapshot.machineID,
                msrStatus: c.current.msrStatus)
            if sink.send(entry) { sent.append(c.id) } else { needsResend = true; break }
        }
        do { try store.markSent(sent) } catch { storeFailed(error) }
    }

    /// Sends what was committed but not sent (journald was down, or the daemon died between
    /// commit and send): host changes first, then transitions, oldest first.
    func resendUnsent() {
        needsResend = false
        sendHostChanges()
        guard !needsResend, let unsent = try? store.unsentTransitions(), !unsent.isEmpty else { return }
        var sent: [String] = []
        for r in unsent {
            if sink.send(.transition(r.kind, finding: r.finding, transitionID: r.id)) { sent.append(r.id) } else {
                needsResend = true
                break
            }
        }
        do { try store.markSent(sent) } catch { storeFailed(error) }
        if !sent.isEmpty { logger.info("resent journal entries", metadata: ["count": "\(sent.count)"]) }
    }

    private func storeFailed(_ error: StoreError) {
        if degradedSince == nil {
            degradedSince = clock()
            logger.error("history database cannot be written; auditing continues", metadata: ["error": "\(error)"])
            sink.send(.storeDegraded(path: store.path, error: error.description))
        }
    }

    /// When the next waiver in force expires (nil: none will).
    var nextWaiverExpiry: Date? {
        policy.waivers.lazy.map(\.expires).filter { $0 > self.lastEvaluation }.min()
    }

    // MARK: - Counts

    private func updateCounts() {
        counts = (entries.values.reduce(0) { $0 + $1.count }, violating.count)
    }

    /// What the textfile export reads after a round: every guest, the findings in force, when the round ran.
    var exportState: (statuses: [GuestStatus], findings: [FindingRecord], auditedAt: Date) {
        (entries.values.flatMap { $0.values.lazy.map(\.status) }, journalView, lastEvaluation)
    }

    /// glibc's `malloc_trim(0)` (not in the Glibc module map), looked up once.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let sym = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(sym, to: (@convention(c) (Int) -> Int32).self)
    }()

    static func trimHeap() { _ = mallocTrim?(0) }

    static func normalize(_ dir: String) -> String {
        DirectoryWatcher.normalize([dir]).first ?? dir
    }
}

/// Where a guest's configuration lives: watched directory and file.
struct EntryRef: Hashable {
    let dir: String
    let path: String
}

/// One guest the auditor knows: its latest input, last good configuration and findings.
struct GuestEntry {
    enum Input {
        case config(GuestConfig)
        case unreadable(source: GuestSource, error: String)
    }

    var source: GuestSource
    let path: String
    let firstSeen: Date
    var input: Input = .unreadable(source: .libvirt, error: "not read yet")
    /// The last configuration that could be read: its findings stay while the file is unreadable.
    var lastGood: GuestConfig?
    /// Findings from before a restart, for a file unreadable since then.
    var carried: [FindingRecord] = []
    var identity: GuestIdentity?
    var records: [FindingRecord] = []
    var dirty = true

    init(source: GuestSource, path: String, firstSeen: Date) {
        self.source = source
        self.path = path
        self.firstSeen = firstSeen
    }

    /// What identifies it: the last good configuration while the file is unreadable.
    var identityInput: GuestInput {
        switch input {
        case .config(let c): return .config(c)
        case .unreadable(let source, let error):
            if let good = lastGood { return .config(good) }
            if let uuid = carried.first?.guestUUID {
                // Unreadable since before a restart: keep the UUID identity its findings have.
                return .config(GuestConfig(source: source, path: path, name: carried.first?.guestName, uuid: uuid,
                                           cpu: GuestCPUConfig(base: .qemuDefault, baseOrigin: ConfigOrigin("unreadable"))))
            }
            return .unreadable(path: path, source: source, error: error)
        }
    }
}

extension GuestEntry {
    /// The guest's status now, in the order of ``GuestStatus``: an open violation (also one kept
    /// from the last good configuration of an unreadable file) comes before unreadable.
    var status: GuestStatus {
        if records.contains(where: { $0.state == .open && $0.severity.isViolation }) { return .violating }
        if case .unreadable = input { return .unreadable }
        if records.contains(where: { $0.state == .waived && $0.severity.isViolation }) { return .waived }
        return .compliant
    }
}
