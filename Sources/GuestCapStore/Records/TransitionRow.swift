import Foundation
import GRDB

/// A row of `transition`: one change in a finding's life, with the id the journal entry carries.
struct TransitionRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "transition"
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { StoreTime.encoding }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { StoreTime.decoding }

    var seq: Int64?
    /// A random UUID (lower case): `GUESTCAP_TRANSITION_ID`.
    var id: String
    var at: Date
    var kind: String
    /// `finding.id` (the episode row, not the stable finding id).
    var findingRow: Int64
    var hostSnapshotID: Int64
    var configVersionID: Int64?
    var sent: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case seq, id, at, kind
        case findingRow = "finding_row"
        case hostSnapshotID = "host_snapshot_id"
        case
            configVersionID = "config_version_id"
        case sent
    }

    enum Columns {
        static let seq = Column(CodingKeys.seq)
        static let id = Column(CodingKeys.id)
        static let at = Column(CodingKeys.at)
        static let findingRow = Column(CodingKeys.findingRow)
        static let sent = Column(CodingKeys.sent)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }

    static var databaseSelection: [any SQLSelectable] { StoredColumns.selection(CodingKeys.self) }
    static let columnsSQL = StoredColumns.sql(CodingKeys.self)
    static func columnsSQL(prefix: String) -> String { StoredColumns.sql(CodingKeys.self, prefix: prefix) }
}

// In an extension, so that the memberwise initializer stays.
extension TransitionRow {
    /// Reads the columns by position, in `CodingKeys` order (see ``FindingRow/init(row:)``).
    init(row: Row) throws {
        seq = row[0]
        id = row[1]
        at = try StoreTime.date(row, 2)
        kind = row[3]
        findingRow = row[4]
        hostSnapshotID = row[5]
        configVersionID = row[6]
        sent = row[7]
    }
}
