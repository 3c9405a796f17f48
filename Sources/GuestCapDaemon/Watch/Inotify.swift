import Glibc
import SystemPackage

/// An inotify instance (`inotify(7)`): each system call wrapped once, failures as `Errno`
/// with the path they concern, `EINTR` retried.
public final class Inotify {
    /// The descriptor (non-blocking, close-on-exec).
    public let fd: FileDescriptor
    private var buffer = [UInt8](repeating: 0, count: 64 * 1024)

    /// A failed inotify call and what it was about.
    public struct Failure: Error, CustomStringConvertible {
        public let errno: Errno
        public let operation: String
        public var description: String {
            switch errno {
            case .noSpace:
                "\(operation): \(errno) (the inotify watch limit is reached: raise fs.inotify.max_user_watches)"
            case .tooManyOpenFiles:
                "\(operation): \(errno) (the inotify instance limit is reached: raise fs.inotify.max_user_instances)"
            default: "\(operation): \(errno)"
            }
        }
    }

    /// Opens an instance.
    public init() throws(Failure) {
        let raw = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard raw >= 0 else { throw Failure(errno: Errno(rawValue: Glibc.errno), operation: "inotify_init1") }
        fd = FileDescriptor(rawValue: raw)
    }

    deinit { try? fd.close() }

    /// Adds (or replaces the mask of) a watch on `path`; returns its descriptor.
    public func addWatch(_ path: String, mask: InotifyMask) throws(Failure) -> Int32 {
        while true {
            let wd = inotify_add_watch(fd.rawValue, path, mask.rawValue)
            if wd >= 0 { return wd }
            let e = Errno(rawValue: Glibc.errno)
            if e == .interrupted { continue }
            throw Failure(errno: e, operation: "inotify_add_watch \(path)")
        }
    }

    /// Removes a watch; one that is already gone (its directory deleted) is not an error.
    public func removeWatch(_ wd: Int32) {
        _ = inotify_rm_watch(fd.rawValue, wd)
    }

    /// Reads what is queued now; empty when nothing is (the descriptor is non-blocking).
    public func read() throws(Failure) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) }
            if n < 0 {
                let e = Errno(rawValue: Glibc.errno)
                if e == .interrupted { continue }
                if e == .wouldBlock || e == .resourceTemporarilyUnavailable { return events }
                throw Failure(errno: e, operation: "read inotify")
            }
            if n == 0 { return events }
            events += buffer.withUnsafeBytes { InotifyEvent.parse(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }
}
