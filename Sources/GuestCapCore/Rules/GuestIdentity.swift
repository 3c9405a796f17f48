/// Who a guest is across file changes: (source, UUID), or (source, path) without a usable UUID.
public struct GuestIdentity: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let source: GuestSource
    /// The UUID, or the path when there is none (or two files of one source claim one UUID).
    public let key: String
    /// Whether `key` is a UUID.
    public let byUUID: Bool

    /// Identity by UUID when there is one, else by path.
    public init(source: GuestSource, uuid: String?, path: String) {
        self.source = source
        if let uuid, !uuid.isEmpty {
            self.key = uuid.lowercased()
            self.byUUID = true
        } else {
            self.key = path
            self.byUUID = false
        }
    }

    /// Identity by path even when a UUID exists (used when two files claim one UUID).
    public init(source: GuestSource, path: String) {
        self.source = source
        self.key = path
        self.byUUID = false
    }

    /// `libvirt:uuid:…` or `qemu:path:…`, the form stored and hashed.
    public var description: String { "\(source.rawValue):\(byUUID ? "uuid" : "path"):\(key)" }

    public static func < (lhs: GuestIdentity, rhs: GuestIdentity) -> Bool { lhs.description < rhs.description }
}
