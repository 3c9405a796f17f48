import GuestCapCore
import GuestCapSources
import Synchronization

/// Work for the auditor, collected from the watcher thread, the sampler, the process scanner
/// and the signal handler. Everything submitted while the auditor is busy merges into one
/// piece of work, so a burst of changes costs one evaluation and the auditor never falls behind
/// by more than one round.
public final class AuditInbox: Sendable {
    /// One round of work.
    public struct Work: Sendable {
        public var batch = WatchBatch()
        /// A fresh host sample (nil: none since the last round).
        public var host: HostSnapshot?
        /// Running QEMU processes, when the process scan ran.
        public var processes: [LoadOutcome]?
        /// A reloaded configuration and policy.
        public var reload: (DaemonConfiguration, Policy)?
        /// Resend journal entries that could not be sent.
        public var resend = false
        /// Re-check time-dependent state (waiver expiry).
        public var tick = false

        var isEmpty: Bool {
            batch.isEmpty && host == nil && processes == nil && reload == nil && !resend && !tick
        }
    }

    private let pending = Mutex(Work())
    private let continuation: AsyncStream<Void>.Continuation
    /// Wakes the auditor; holds at most one wake-up.
    let signals: AsyncStream<Void>

    /// An empty inbox.
    public init() {
        (signals, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds work and wakes the auditor.
    public func submit(_ change: (inout Work) -> Void) {
        pending.withLock { change(&$0) }
        continuation.yield()
    }

    /// Files changed.
    public func submit(_ batch: WatchBatch) { submit { $0.batch.merge(batch) } }

    /// Takes everything pending.
    func take() -> Work {
        pending.withLock { w in
            defer { w = Work() }
            return w
        }
    }

    /// No more work will come: the auditor finishes what is pending and stops.
    func finish() { continuation.finish() }
}
