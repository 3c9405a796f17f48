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
    let loader = GuestConfigLoader()

    private(set) var configuration: DaemonConfiguration
    private(set) var policy: Policy
    private var engine: PolicyEngine

    private(set) var host: HostAssessment
    private var hostID: Int64 = 0
    private var lastEvaluation: Date

    /// Watched directory (or the process-scan key) → its kind.
    private var kinds: [String: GuestSource] = [:]
    /// Directory → path → guest.
    private var entries: [String: [String: GuestEntry]] = [:]

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
            entries[dir] = nil
            rescan.insert(dir)
        }
        for dir in kinds.keys where newKinds[dir] == nil { entries[dir] = nil }
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
        for (path, e) in keep { entries[dir, default: [:]][path] = e }
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
        entries[dir] = new
        for (path, e) in old where new[path] == nil { roundOld += e.records }
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
            entries[dir, default: [:]][path] = e
            return []
        }
        entries[dir]?[path] = nil
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
        // Identities per source, over every guest of that source (two files claiming one UUID
        // are identified by path).
        var bySource: [GuestSource: [(dir: String, path: String, input: GuestInput)]] = [:]
        for (dir, guests) in entries {
            for (path, e) in guests { bySource[e.source, default: []].append((dir, path, e.identityInput)) }
        }
        var verdicts: [GuestVerdict] = []
        for (_, list) in bySource {
            let ids = GuestInput.identities(list.map(\.input))
            for (item, id) in zip(list, ids) {
                guard var e = entries[item.dir]?[item.path] else { continue }
                if e.identity != id {
                    e.identity = id
                    e.dirty = true
                }
                guard all || e.dirty else { continue }
                roundOld += e.records
                verdicts.append(evaluate(&e, identity: id))
                roundNew += e.records
                e.dirty = false
                entries[item.dir]?[item.path] = e
            }
        }
        return verdicts
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
                kernel: c.current.snapshot.kernel)
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

    // MARK: - Counts

    private func updateCounts() {
        var guests = 0, violating = 0
        for dir in entries.values {
            for e in dir.values {
                guests += 1
                if e.records.contains(where: { $0.state == .open && $0.severity.isViolation }) { violating += 1 }
            }
        }
        counts = (guests, violating)
    }

    /// What the textfile export reads after a round: every guest, the findings in force, when the round ran.
    var exportState: (guests: [GuestEntry], findings: [FindingRecord], auditedAt: Date) {
        (entries.values.flatMap(\.values), journalView, lastEvaluation)
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
