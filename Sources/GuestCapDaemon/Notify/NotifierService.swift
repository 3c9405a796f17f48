import Logging
import ServiceLifecycle

/// The service manager's view of the daemon: `READY=1` once the first audit is done,
/// `STATUS=412 guests, 3 violating` as counts change, `WATCHDOG=1` at half of
/// `WATCHDOG_USEC` while the auditor is healthy, `STOPPING=1` when shutdown begins.
///
/// Put it last in the service group: services stop in reverse order, so it is the first
/// to hear of a shutdown and says `STOPPING=1` before the others finish their work.
public final class NotifierService: Service {
    private enum Event: Sendable {
        case ready(String)
        case status(String)
    }

    private let notifier: SystemdNotifier
    private let heartbeat: Heartbeat
    private let logger: Logger
    private let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation

    /// A notifier service; `heartbeat` is the auditor's.
    public init(notifier: SystemdNotifier = SystemdNotifier(), heartbeat: Heartbeat, logger: Logger) {
        self.notifier = notifier
        self.heartbeat = heartbeat
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(16))
    }

    /// The first audit is done: `READY=1` with the status line.
    public func ready(status: String) { continuation.yield(.ready(status)) }

    /// The counts changed.
    public func update(status: String) { continuation.yield(.status(status)) }

    public func run() async {
        let interval = notifier.watchdogInterval()
        if let interval { logger.debug("watchdog enabled", metadata: ["interval": "\(interval)"]) }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                if let interval {
                    group.addTask { [notifier, heartbeat, logger] in
                        var warned = false
                        while !Task.isCancelled {
                            do { try await Task.sleep(for: interval / 2) } catch { return }
                            if heartbeat.isHealthy(limit: interval) {
                                notifier.notify("WATCHDOG=1")
                                warned = false
                            } else if !warned {
                                logger.critical(
                                    "audit has been running longer than the watchdog interval; not pinging the watchdog"
                                )
                                warned = true
                            }
                        }
                    }
                }
                var lastStatus = ""
                for await event in events {
                    switch event {
                    case .ready(let status):
                        notifier.notify("READY=1\nSTATUS=\(status)")
                        lastStatus = status
                    case .status(let status) where status != lastStatus:
                        notifier.notify("STATUS=\(status)")
                        lastStatus = status
                    case .status: break
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: { [continuation] in
            continuation.finish()
        }
        notifier.notify("STOPPING=1\nSTATUS=stopping")
    }
}
