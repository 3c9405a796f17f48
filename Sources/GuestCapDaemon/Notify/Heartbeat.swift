import Synchronization

/// How the watchdog knows the auditor is alive: the auditor marks when an evaluation starts
/// and ends; the notifier pings systemd only while no evaluation has been running for longer
/// than the watchdog interval. A hung evaluation (a blocked file read, a frozen journald)
/// therefore lets systemd restart the daemon instead of being hidden by a ping loop.
public final class Heartbeat: Sendable {
    private let busySince = Mutex<ContinuousClock.Instant?>(nil)

    /// A heartbeat with nothing running.
    public init() {}

    /// An evaluation started.
    public func begin() { busySince.withLock { $0 = .now } }

    /// It ended.
    public func end() { busySince.withLock { $0 = nil } }

    /// Whether nothing has been running for `limit` or longer.
    public func isHealthy(limit: Duration) -> Bool {
        busySince.withLock { since in since.map { ContinuousClock.now - $0 < limit } ?? true }
    }
}
