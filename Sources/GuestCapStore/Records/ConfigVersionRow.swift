import Foundation
import GRDB

/// A row of `config_version`: one distinct configuration of a guest (content, G and R with
/// their provenance, what the VMM dropped) and the time it was in force.
struct ConfigVersionRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "config_version"
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { StoreTime.encoding }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { StoreTime.decoding }

    var id: Int64?
    var guestID: Int64
    var beganAt: Date
    var endedAt: Date?
    var path: String
    var name: String?
    var contentSHA256: String?
    /// G as hex, nil when the configuration could not be evaluated.
    var advertised: String?
    var visible: Bool?
    /// Bit name → what set it (JSON object).
    var provenance: String
    /// R as hex; nil when not evaluated, or for rows from before R was recorded.
    var requested: String? = nil
    var requestedVisible: Bool? = nil
    /// R's bit name → what asked for it (JSON object).
    var requestedProvenance: String? = nil
    /// `R \ G` as hex.
    var dropped: String? = nil
    /// Which VMM decides (`qemu-kvm`, …).
    var vmm: String? = nil

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case guestID = "guest_id"
        case beganAt = "began_at"
        case endedAt = "ended_at"
        case path, name
        case
            contentSHA256 = "content_sha256"
        case advertised, visible, provenance, requested
        case
            requestedVisible = "requested_visible"
        case requestedProvenance = "requested_provenance"
        case dropped, vmm
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let guestID = Column(CodingKeys.guestID)
        static let beganAt = Column(CodingKeys.beganAt)
        static let endedAt = Column(CodingKeys.endedAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    static var databaseSelection: [any SQLSelectable] { StoredColumns.selection(CodingKeys.self) }
    static let columnsSQL = StoredColumns.sql(CodingKeys.self)

    /// Whether two versions describe the same configuration (ignoring ids and times).
    func sameConfiguration(as other: ConfigVersionRow) -> Bool {
        path == other.path && name == other.name && contentSHA256 == other.contentSHA256
            && advertised == other.advertised && visible == other.visible && provenance == other.provenance
            && requested == other.requested && requestedVisible == other.requestedVisible
            && requestedProvenance == other.requestedProvenance && dropped == other.dropped && vmm == other.vmm
    }
}

// In an extension, so that the memberwise initializer stays.
extension ConfigVersionRow {
    /// Reads the columns by position, in `CodingKeys` order (see ``FindingRow/init(row:)``).
    init(row: Row) throws {
        id = row[0]
        guestID = row[1]
        beganAt = try StoreTime.date(row, 2)
        endedAt = try StoreTime.optionalDate(row, 3)
        path = row[4]
        name = row[5]
        contentSHA256 = row[6]
        advertised = row[7]
        visible = row[8]
        provenance = row[9]
        requested = row[10]
        requestedVisible = row[11]
        requestedProvenance = row[12]
        dropped = row[13]
        vmm = row[14]
    }
}
