import Foundation
import Glibc
import GuestCapCore
import GuestCapSources
import GuestCapStore
import Logging

/// Keeps every guest's verdict current and turns changes into transitions: reads what changed,
/// lets the ``AuditLedger`` evaluate and diff it against the findings in force, commits to the
/// history store first, then sends one journal entry per transition and marks it sent
/// (policy-model §6). Nothing is logged twice for the same state, also across restarts: the
/// findings in force come from the store.
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
    var hostID: Int64 = 0
    private var lastEvaluation: Date

    /// The guests, who they are, their findings and the counts.
    private var ledger: AuditLedger

    /// Findings in force as the journal last reported them, by finding id.
    var journalByID: [String: FindingRecord] = [:]
    var journalView: [FindingRecord] {
        get { Array(journalByID.values) }
        set { journalByID = Dictionary(newValue.map { ($0.findingID, $0) }) { first, _ in first } }
    }
    /// Findings in force as the store has them, when it could not be written (nil: same as journal).
    var storeView: [FindingRecord]?
    var goneWhileDegraded: Set<GuestIdentity> = []
    var degradedSince: Date?

    /// Hosts that running guests started under, by snapshot id.
    var bootHosts: [Int64: HostAssessment] = [:]
    var runID: Int64?
    /// Whether this round recorded a host sample (a host-changed entry may wait).
    var hostRecorded = false

    /// Whether some journal entries wait for a resend.
    public internal(set) var needsResend = false
    /// Guests and violating guests after the last round.
    public var counts: (guests: Int, violating: Int) { (ledger.guestCount, ledger.violatingCount) }

    /// An auditor over an open store. Nothing is read until ``start(snapshot:processes:)``.
    public init(
        configuration: DaemonConfiguration, policy: Policy, store: HistoryStore, sink: JournalSink,
        logger: Logger, version: String, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
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
        self.ledger = AuditLedger(kinds: Self.kinds(of: configuration))
    }

    // MARK: - Life cycle

    /// The first audit: resends what a previous run could not send, records the host, reads
    /// every watched directory, commits and logs, then logs *daemon started*.
    /// - Throws: ``StoreError`` when the store cannot even be read.
    public func start(snapshot: HostSnapshot, processes: [LoadOutcome]?) throws(StoreError) {
        let now = clock()
        runID = try? store.beginRun(pid: getpid(), version: version, at: now)
        journalView = try store.activeFindings()
        var firstSeen: [String: Date] = [:]
        for g in (try? store.knownGuests()) ?? [] { firstSeen[g.identity.description] = g.firstSeen }
        ledger = AuditLedger(kinds: ledger.kinds, restored: journalView, firstSeen: firstSeen)
        resendUnsent()
        var work = AuditInbox.Work()
        work.host = snapshot
        work.batch.rescan = Set(ledger.kinds.keys.filter { $0 != AuditLedger.processKey })
        work.processes = processes
        process(work, all: true)
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
            logger.critical(
                "history database gone; exiting for a restart", metadata: ["path": "\(store.path)", "error": "\(why)"])
            sink.send(.storeDegraded(path: store.path, error: why))
            exit(75)
        }
        let now = clock()
        hostRecorded = false
        var all = forceAll
        var rescan = work.batch.rescan
        var kinds = ledger.kinds
        var newKinds: [String: GuestSource]?
        if let (config, newPolicy) = work.reload {
            all = true
            let reloaded = Self.kinds(of: config)
            // A directory newly watched, or of another kind, is read in full.
            for (dir, kind) in reloaded where kinds[dir] != kind && dir != AuditLedger.processKey { rescan.insert(dir) }
            (kinds, newKinds) = (reloaded, reloaded)
            configuration = config
            policy = newPolicy
        }
        if policy.waivers.contains(where: { $0.expires > lastEvaluation && $0.expires <= now }) { all = true }
        if all { engine = PolicyEngine(policy: policy, now: now) }
        if let snapshot = work.host, recordHost(snapshot, at: now) { all = true }

        var round = AuditLedger.Round(now: now, engine: engine, host: host)
        round.kinds = newKinds
        read(work, rescan: rescan, kinds: kinds, into: &round)
        round.all = all || storeView != nil
        round.inForce = journalByID
        let result = ledger.apply(round) { config, firstSeen in self.bootHost(for: config, firstSeen: firstSeen) }
        lastEvaluation = now
        commitAndLog(result, at: now)
        if work.resend || needsResend { resendUnsent() }
        // Reading and evaluating many files leaves freed heap behind; give it back to the system.
        if result.verdicts.count >= 64 || !rescan.isEmpty { Self.trimHeap() }
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
                    logger.info(
                        "new host state recorded",
                        metadata: ["snapshot": "\(id)", "justified": "\(host.justified.hex)"])
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

    /// The host in effect when a running guest started (policy-model §2), nil: the current one.
    private func bootHost(for config: GuestConfig, firstSeen: Date) -> HostAssessment? {
        let started = config.pid.flatMap { ProcessStartTime.of(pid: $0, hostRoot: configuration.hostRoot) }
        let start = started ?? firstSeen
        guard let stored = try? store.host(inEffectAt: start), stored.id != hostID else { return nil }
        if let cached = bootHosts[stored.id] { return cached }
        let assessed = engine.assess(stored.snapshot)
        bootHosts[stored.id] = assessed
        return assessed
    }

    // MARK: - State

    /// When the next waiver in force expires (nil: none will).
    var nextWaiverExpiry: Date? {
        policy.waivers.lazy.map(\.expires).filter { $0 > self.lastEvaluation }.min()
    }

    /// What the textfile export reads after a round: every guest, the findings in force, when the round ran.
    var exportState: (statuses: [GuestStatus], findings: [FindingRecord], auditedAt: Date) {
        (ledger.statuses, journalView, lastEvaluation)
    }

    /// Watched directory (or the process-scan key) → its kind.
    static func kinds(of configuration: DaemonConfiguration) -> [String: GuestSource] {
        var kinds: [String: GuestSource] = [:]
        for s in configuration.sources { kinds[normalize(s.directory)] = s.kind }
        if configuration.processScanInterval != nil { kinds[AuditLedger.processKey] = .qemu }
        return kinds
    }

    static func normalize(_ dir: String) -> String {
        DirectoryWatcher.normalize([dir]).first ?? dir
    }
}
