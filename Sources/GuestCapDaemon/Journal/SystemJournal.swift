import CSystemd
import SystemPackage
import Glibc

/// The real journal: `sd_journal_sendv` over the native socket `/run/systemd/journal/socket`.
///
/// libsystemd opens the socket once and reuses it; after journald restarts the next send
/// works again without reconnecting. While journald is stopped the call fails with
/// `ECONNREFUSED`; the caller keeps the entry and retries.
public struct SystemJournal: JournalTransport {
    /// The journal.
    public init() {}

    public func send(_ entry: JournalEntry) throws(JournalError) {
        // "NAME=value" buffers that live until the call returns; values may contain newlines
        // (sd_journal_sendv switches to the binary-safe form by itself).
        let buffers: [[UInt8]] = entry.fields.map { Array("\($0.name)=\($0.value)".utf8) }
        let result: Int32 = Self.withIovecs(buffers) { iov in
            sd_journal_sendv(iov.baseAddress, Int32(iov.count))
        }
        if result < 0 {
            throw JournalError(
                errno: Errno(rawValue: -result),
                what: entry["MESSAGE_ID"].map { "MESSAGE_ID=\($0)" } ?? "'\(entry.message)'")
        }
    }

    /// Calls `body` with one iovec per buffer, all pinned for the call.
    static func withIovecs<R>(_ buffers: [[UInt8]], _ body: (UnsafeBufferPointer<iovec>) -> R) -> R {
        var iovecs = [iovec](repeating: iovec(), count: buffers.count)
        let storage = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, buffers.reduce(0) { $0 + $1.count }),
            alignment: 1)
        defer { storage.deallocate() }
        var offset = 0
        for (i, buffer) in buffers.enumerated() {
            buffer.withUnsafeBytes { raw in
                if let base = raw.baseAddress { (storage + offset).copyMemory(from: base, byteCount: raw.count) }
            }
            iovecs[i] = iovec(iov_base: storage + offset, iov_len: buffer.count)
            offset += buffer.count
        }
        return iovecs.withUnsafeBufferPointer(body)
    }
}
