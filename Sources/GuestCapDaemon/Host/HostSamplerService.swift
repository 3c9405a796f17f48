import Logging
import GuestCapCore
import GuestCapSources
import ServiceLifecycle
import Synchronization

/// Re-reads the host on an interval (default 5 minutes) and on demand (SIGHUP). A sample whose
/// facts differ from the last goes to the auditor, which records it as a new host snapshot and
/// re-evaluates every guest; an unchanged one only lets the auditor check waiver expiry.
public final class HostSamplerService: Service {
    private struct Settings {
        var root: HostRoot
        var interval: Duration
        var last: HostSnapshot?
    }

    private let inbox: AuditInbox
    private let logger: Logger
    private let settings: Mutex<Settings>
    private let triggers: AsyncStream<Void>
    private let trigger: AsyncStream<Void>.Continuation

    /// A sampler; `last` is the sample the auditor started with.
    public init(root: HostRoot, interval: Duration, last: HostSnapshot?, inbox: AuditInbox, logger: Logger) {
        self.inbox = inbox
        self.logger = logger
        self.settings = Mutex(Settings(root: root, interval: interval, last: last?.withoutTimestamp))
        (triggers, trigger) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Samples now (SIGHUP), optionally with new settings.
    public func sampleNow(root: HostRoot? = nil, interval: Duration? = nil) {
        settings.withLock { s in
            if let root { s.root = root }
            if let interval { s.interval = interval }
        }
        trigger.yield()
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                while true {
                    let interval = settings.withLock { $0.interval }
                    do { try await Task.sleep(for: interval) } catch { return }
                    trigger.yield()
                }
            }
            for await _ in triggers.cancelOnGracefulShutdown() {
                sample()
            }
            group.cancelAll()
        }
    }

    private func sample() {
        let root = settings.withLock { $0.root }
        let snapshot = HostProbe(root: root).snapshot()
        let changed = settings.withLock { s in
            defer { s.last = snapshot.withoutTimestamp }
            return s.last != snapshot.withoutTimestamp
        }
        if changed {
            logger.info("host sample differs from the last one")
            inbox.submit { $0.host = snapshot }
        } else {
            inbox.submit { $0.tick = true }
        }
    }
}
