import Dispatch
import Foundation

/// What must be undone before the process ends: running probe guests and their folders.
///
/// `guestcap probe` registers each step as soon as it creates something and removes it once
/// undone; on SIGINT, SIGTERM or SIGHUP every registered step runs before the process exits,
/// so an interrupted probe leaves no guest and no file behind.
public final class ProbeCleanup: @unchecked Sendable {
    /// The process's one registry (signals are process-wide).
    public static let shared = ProbeCleanup()

    private let lock = NSLock()
    private var steps: [Int: @Sendable () -> Void] = [:]
    private var next = 0
    private var sources: [any DispatchSourceSignal] = []
    private var interrupted = false

    /// Registers a step; returns its token for ``remove(_:)``.
    public func add(_ step: @escaping @Sendable () -> Void) -> Int {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        steps[next] = step
        return next
    }

    /// Runs a registered step now and forgets it (idempotent).
    public func run(_ token: Int) {
        lock.lock()
        let step = steps.removeValue(forKey: token)
        lock.unlock()
        step?()
    }

    /// Runs every registered step, newest first.
    public func runAll() {
        lock.lock()
        let all = steps.sorted { $0.key > $1.key }.map(\.value)
        steps.removeAll()
        lock.unlock()
        for step in all { step() }
    }

    /// Parks the calling thread for good once a signal has arrived, so that work the clean-up
    /// cut short does not end the process with its own status before the handler exits with
    /// 128 + the signal number.
    public func holdIfInterrupted() {
        lock.lock()
        let stop = interrupted
        lock.unlock()
        while stop { pause() }
    }

    /// Catches SIGINT, SIGTERM and SIGHUP: cleans up, then exits 128 + the signal number.
    public func installSignalHandlers() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                interrupted = true
                lock.unlock()
                FileHandle.standardError.write(Data("guestcap: interrupted; removing the probe guest\n".utf8))
                runAll()
                exit(128 + sig)
            }
            source.resume()
            sources.append(source)
        }
    }
}
