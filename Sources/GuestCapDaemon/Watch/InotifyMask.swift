import Glibc

/// inotify event and watch flags (`inotify(7)`).
public struct InotifyMask: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let access = InotifyMask(rawValue: UInt32(IN_ACCESS))
    public static let modify = InotifyMask(rawValue: UInt32(IN_MODIFY))
    public static let attrib = InotifyMask(rawValue: UInt32(IN_ATTRIB))
    public static let closeWrite = InotifyMask(rawValue: UInt32(IN_CLOSE_WRITE))
    public static let closeNoWrite = InotifyMask(rawValue: UInt32(IN_CLOSE_NOWRITE))
    public static let open = InotifyMask(rawValue: UInt32(IN_OPEN))
    public static let movedFrom = InotifyMask(rawValue: UInt32(IN_MOVED_FROM))
    public static let movedTo = InotifyMask(rawValue: UInt32(IN_MOVED_TO))
    public static let create = InotifyMask(rawValue: UInt32(IN_CREATE))
    public static let delete = InotifyMask(rawValue: UInt32(IN_DELETE))
    public static let deleteSelf = InotifyMask(rawValue: UInt32(IN_DELETE_SELF))
    public static let moveSelf = InotifyMask(rawValue: UInt32(IN_MOVE_SELF))
    // Returned in events.
    public static let unmount = InotifyMask(rawValue: UInt32(IN_UNMOUNT))
    public static let queueOverflow = InotifyMask(rawValue: UInt32(IN_Q_OVERFLOW))
    public static let ignored = InotifyMask(rawValue: UInt32(IN_IGNORED))
    public static let isDirectory = InotifyMask(rawValue: UInt32(IN_ISDIR))
    // Watch options.
    public static let onlyDirectory = InotifyMask(rawValue: UInt32(IN_ONLYDIR))
    public static let dontFollow = InotifyMask(rawValue: UInt32(IN_DONT_FOLLOW))
    public static let excludeUnlinked = InotifyMask(rawValue: UInt32(IN_EXCL_UNLINK))

    public var description: String {
        let names: [(InotifyMask, String)] = [
            (.access, "ACCESS"), (.modify, "MODIFY"), (.attrib, "ATTRIB"), (.closeWrite, "CLOSE_WRITE"),
            (.closeNoWrite, "CLOSE_NOWRITE"), (.open, "OPEN"), (.movedFrom, "MOVED_FROM"), (.movedTo, "MOVED_TO"),
            (.create, "CREATE"), (.delete, "DELETE"), (.deleteSelf, "DELETE_SELF"), (.moveSelf, "MOVE_SELF"),
            (.unmount, "UNMOUNT"), (.queueOverflow, "Q_OVERFLOW"), (.ignored, "IGNORED"), (.isDirectory, "ISDIR"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined(separator: "|")
    }
}
