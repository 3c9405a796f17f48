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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, identity, source, uuid, path, name, status, error
        case firstSeenAt = "first_seen_at"
        case goneAt = "gone_at"
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

    static var databaseSelection: [any SQLSelectable] { StoredColumns.selection(CodingKeys.self) }
    static let columnsSQL = StoredColumns.sql(CodingKeys.self)
}

// In an extension, so that the memberwise initializer stays.
extension GuestRow {
    /// Reads the columns by position, in `CodingKeys` order (see ``FindingRow/init(row:)``).
    init(row: Row) throws {
        id = row[0]
        identity = row[1]
        source = row[2]
        uuid = row[3]
        path = row[4]
        name = row[5]
        status = row[6]
        error = row[7]
        firstSeenAt = try StoreTime.date(row, 8)
        goneAt = try StoreTime.optionalDate(row, 9)
    }
}
