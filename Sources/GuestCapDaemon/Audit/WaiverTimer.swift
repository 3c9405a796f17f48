import Foundation
import Synchronization

/// Wakes the auditor when the next waiver expires, so that its finding reopens (and is logged)
/// on time rather than at the next host sample. No timer runs while no waiver is pending.
final class WaiverTimer: Sendable {
    private struct State {
        var deadline: Date?
        var task: Task<Void, Never>?
    }

    private let inbox: AuditInbox
    private let clock: @Sendable () -> Date
    private let state = Mutex(State())

    /// A timer that submits a tick to `inbox`, reading the time from the auditor's `clock`.
    init(inbox: AuditInbox, clock: @escaping @Sendable () -> Date) {
        self.inbox = inbox
        self.clock = clock
    }

    /// Arms the timer for `deadline` (nil: disarms it). Arming for the deadline already armed
    /// keeps the running timer.
    func schedule(_ deadline: Date?) {
        state.withLock { s in
            guard s.deadline != deadline || s.task == nil else { return }
            s.task?.cancel()
            s.deadline = deadline
            s.task = nil
            guard let deadline else { return }
            // A few ms late rather than early: the auditor compares with its own clock.
            let wait = max(0, deadline.timeIntervalSince(clock())) + 0.01
            s.task = Task { [inbox, weak self] in
                do { try await Task.sleep(for: .milliseconds(Int64(wait * 1000))) } catch { return }
                self?.state.withLock { if $0.deadline == deadline { $0.task = nil } }
                inbox.submit { $0.tick = true }
            }
        }
    }
}
