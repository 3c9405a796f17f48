import Foundation
import GRDB

/// A row of `guest`: one guest identity, from when it was first seen until it went away.
struct GuestRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "guest"
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { StoreTime.encoding }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { StoreTime.decoding }

    var id: Int64?
    /// ``GuestIdentity/description``: `libvirt:uuid:…`, `qemu:path:…`.
    var identity: String
    var source: String
    var uuid: String?
    var path: String
    var name: String?
    /// The status the last verdict gave (``StoreStatus`` recomputes it from active findings).
    var status: String
    var error: String?
    var firstSeenAt: Date
    var goneAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, identity, source, uuid, path, name, status, error, firstSeenAt = "first_seen_at", goneAt = "gone_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let identity = Column(CodingKeys.identity)
        static let name = Column(CodingKeys.name)
        static let uuid = Column(CodingKeys.uuid)
        static let firstSeenAt = Column(CodingKeys.firstSeenAt)
        static let goneAt = Column(CodingKeys.goneAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
