import Foundation
import Glibc
import Logging
import ServiceLifecycle
import Synchronization

/// Runs a ``DirectoryWatcher`` on its own thread (poll on the inotify descriptor and a wake-up
/// eventfd; no timer while nothing happens) and hands coalesced batches to `deliver`.
///
/// Coalescing: a batch is delivered once no event arrived for `quiet`, or `maxDelay` after its
/// first event while events keep coming.
public final class WatcherService: Service, @unchecked Sendable {
    // @unchecked: `watcher` is touched only by the watcher thread once it runs; everything
    // shared with other threads is in `control` or is immutable.
    private let watcher: DirectoryWatcher
    private let quiet: Duration
    private let maxDelay: Duration
    private let deliver: @Sendable (WatchBatch) -> Void
    private let logger: Logger
    /// A self-pipe: written to wake the thread, read end polled.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let control = Mutex(Control())

    private struct Control {
        var stop = false
        var directories: [String]?
        var rescanAll = false
    }

    /// Wraps an already set-up watcher (so that setup errors happen before the group runs).
    public init(
        watcher: DirectoryWatcher, quiet: Duration = .milliseconds(3), maxDelay: Duration = .milliseconds(50),
        logger: Logger, deliver: @escaping @Sendable (WatchBatch) -> Void
    ) {
        self.watcher = watcher
        self.quiet = quiet
        self.maxDelay = maxDelay
        self.deliver = deliver
        self.logger = logger
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
        }
        (wakeRead, wakeWrite) = (fds[0], fds[1])
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Replaces the watched directories (configuration reload). Thread-safe.
    public func setDirectories(_ dirs: [String]) {
        control.withLock { $0.directories = dirs }
        wake()
    }

    /// Asks for a full rescan of every watched directory (as after an overflow). Thread-safe.
    public func requestRescan() {
        control.withLock { $0.rescanAll = true }
        wake()
    }

    private func wake() {
        var one: UInt8 = 1
        _ = write(wakeWrite, &one, 1)
    }

    public func run() async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    loop()
                    done.resume()
                }
                thread.name = "guestcap-watcher"
                thread.start()
            }
        } onCancelOrGracefulShutdown: { [self] in
            control.withLock { $0.stop = true }
            wake()
        }
    }

    private func loop() {
        // Named for `top -H` and the benchmark's per-thread wake-up count (pthread_setname_np
        // is not in the Glibc module; the kernel takes the name through procfs as well).
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = write(fd, "gc-watcher", 10)
            close(fd)
        }
        var batchStart: ContinuousClock.Instant?
        var lastEvent: ContinuousClock.Instant?
        var fds = [
            pollfd(fd: watcher.inotify.fd.rawValue, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            var timeout: Int32 = -1
            if let start = batchStart, let last = lastEvent {
                let due = min(last + quiet, start + maxDelay)
                let left = due - .now
                timeout =
                    left <= .zero
                    ? 0
                    : Int32(
                        max(
                            1,
                            (left.components.attoseconds / 1_000_000_000_000_000) + 1 + left.components.seconds * 1000))
            }
            fds[0].revents = 0
            fds[1].revents = 0
            let n = poll(&fds, 2, timeout)
            if n < 0 && errno != EINTR {
                logger.error("poll on inotify failed", metadata: ["errno": "\(errno)"])
                usleep(100_000)
            }
            if fds[1].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &drain, drain.count) > 0 {}
                let c = control.withLock { c in
                    defer {
                        c.directories = nil
                        c.rescanAll = false
                    }
                    return c
                }
                if c.stop { break }
                if let dirs = c.directories { watcher.setDirectories(dirs) }
                if c.rescanAll { watcher.handle([InotifyEvent.overflowMarker]) }
                if watcher.hasPending {
                    lastEvent = .now
                    batchStart = batchStart ?? .now
                }
            }
            if fds[0].revents != 0 {
                do {
                    if try watcher.readEvents() {
                        lastEvent = .now
                        batchStart = batchStart ?? .now
                    }
                } catch {
                    logger.error("reading inotify events failed; rescanning", metadata: ["error": "\(error)"])
                    watcher.handle([InotifyEvent.overflowMarker])
                }
            }
            if let start = batchStart, let last = lastEvent {
                let now = ContinuousClock.now
                if now >= last + quiet || now >= start + maxDelay {
                    let batch = watcher.takeBatch()
                    batchStart = nil
                    lastEvent = nil
                    if !batch.isEmpty { deliver(batch) }
                }
            }
        }
    }
}

extension InotifyEvent {
    /// A synthetic overflow: makes the watcher rescan everything.
    static let overflowMarker = InotifyEvent(watch: -1, mask: .queueOverflow, cookie: 0, name: "")
}
