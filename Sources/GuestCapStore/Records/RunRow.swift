import Foundation
import GRDB

/// A row of `run`: one daemon process from start to stop.
struct RunRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "run"
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { StoreTime.encoding }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { StoreTime.decoding }

    var id: Int64?
    var pid: Int32
    var version: String
    var startedAt: Date
    var endedAt: Date?
    var lastAuditAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, pid, version
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case lastAuditAt = "last_audit_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let startedAt = Column(CodingKeys.startedAt)
        static let endedAt = Column(CodingKeys.endedAt)
        static let lastAuditAt = Column(CodingKeys.lastAuditAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
