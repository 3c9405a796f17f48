/// One event read from an inotify descriptor.
public struct InotifyEvent: Sendable, Hashable {
    /// The watch it belongs to (-1 for a queue overflow).
    public let watch: Int32
    public let mask: InotifyMask
    /// Pairs MOVED_FROM with MOVED_TO.
    public let cookie: UInt32
    /// The entry's name inside the watched directory; empty for events about the directory itself.
    public let name: String

    /// Parses the packed `struct inotify_event` records of one `read`.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        var offset = 0
        let header = 16  // wd, mask, cookie, len: 4 bytes each
        while offset + header <= bytes.count {
            let wd = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let cookie = bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let len = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let start = offset + header
            let end = min(start + len, bytes.count)
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
            events.append(InotifyEvent(watch: wd, mask: InotifyMask(rawValue: mask), cookie: cookie, name: name))
            offset = start + len
        }
        return events
    }
}
