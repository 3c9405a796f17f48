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

    enum CodingKeys: String, CodingKey {
        case seq, id, at, kind, findingRow = "finding_row", hostSnapshotID = "host_snapshot_id",
             configVersionID = "config_version_id", sent
    }

    enum Columns {
        static let seq = Column(CodingKeys.seq)
        static let id = Column(CodingKeys.id)
        static let at = Column(CodingKeys.at)
        static let findingRow = Column(CodingKeys.findingRow)
        static let sent = Column(CodingKeys.sent)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }
}
