import Foundation
import Logging
import ServiceLifecycle

/// Runs the ``Auditor``: one round per wake-up of the ``AuditInbox``, with everything that
/// arrived meanwhile merged. On graceful shutdown it finishes the round in progress and what is
/// pending, then logs *daemon stopping* and closes the store's run. Put it first in the group:
/// services stop in reverse order, so the producers stop before it.
public final class AuditorService: Service, @unchecked Sendable {
    // @unchecked: `auditor` is used only from run(), one task.
    private let auditor: Auditor
    private let inbox: AuditInbox
    private let heartbeat: Heartbeat
    private let notifier: NotifierService
    private let logger: Logger
    private let waiverTimer: WaiverTimer

    /// Wraps an auditor that has done its first round (``Auditor/start(snapshot:processes:)``).
    public init(
        auditor: Auditor, inbox: AuditInbox, heartbeat: Heartbeat, notifier: NotifierService,
        logger: Logger
    ) {
        self.auditor = auditor
        self.inbox = inbox
        self.heartbeat = heartbeat
        self.notifier = notifier
        self.logger = logger
        self.waiverTimer = WaiverTimer(inbox: inbox, clock: auditor.clock)
    }

    /// The status line for `systemctl status`.
    var status: String { SystemdNotifier.status(guests: auditor.counts.guests, violating: auditor.counts.violating) }

    public func run() async {
        writeTextfile()
        waiverTimer.schedule(auditor.nextWaiverExpiry)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                var backoff = Duration.seconds(1)
                var retryScheduled = false
                for await _ in inbox.signals {
                    let work = inbox.take()
                    if work.resend { retryScheduled = false }
                    round(work)
                    if auditor.needsResend {
                        if !retryScheduled {
                            retryScheduled = true
                            let delay = backoff
                            backoff = min(backoff * 2, .seconds(60))
                            group.addTask { [inbox] in
                                do { try await Task.sleep(for: delay) } catch { return }
                                inbox.submit { $0.resend = true }
                            }
                        }
                    } else {
                        backoff = .seconds(1)
                    }
                }
                group.cancelAll()
            }
        } onGracefulShutdown: { [inbox] in
            inbox.finish()
        }
        let last = inbox.take()
        if !last.isEmpty { round(last) }
        waiverTimer.schedule(nil)
        auditor.stop()
    }

    private func round(_ work: AuditInbox.Work) {
        guard !work.isEmpty else { return }
        heartbeat.begin()
        let start = ContinuousClock.now
        auditor.process(work)
        heartbeat.end()
        logger.debug(
            "round done",
            metadata: [
                "took": "\(ContinuousClock.now - start)",
                "changed": "\(work.batch.changedPaths.count)",
            ])
        notifier.update(status: status)
        writeTextfile()
        waiverTimer.schedule(auditor.nextWaiverExpiry)
    }

    /// The Prometheus textfile, when configured (read each time: a reload may change it).
    private func writeTextfile() {
        guard let path = auditor.configuration.textfilePath else { return }
        do {
            try auditor.writeTextfile(to: path)
        } catch {
            // The file and the reason in the message itself: `journalctl -p err` shows MESSAGE only.
            logger.error("cannot write the textfile export \(path): \(error)", metadata: ["path": "\(path)"])
        }
    }
}
