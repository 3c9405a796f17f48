import Foundation
import GRDB

/// A row of `host_snapshot`: one distinct host state and the time it was in force.
struct HostSnapshotRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "host_snapshot"
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { StoreTime.encoding }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { StoreTime.decoding }

    var id: Int64?
    var beganAt: Date
    var endedAt: Date?
    /// SHA-256 of the facts without their timestamp: equal hashes mean "the host did not change".
    var factsSHA256: String
    var hostname: String
    var machineID: String?
    var kernel: String?
    var microcode: String?
    var msrStatus: String
    var msrValue: String
    var justified: String
    var kvmDefault: String
    /// The snapshot as a `guestcap.report/v1` host object (JSON).
    var document: String
    /// The id the journal's "host changed" entry carries.
    var changeID: String
    /// Which verdicts flipped, written by the audit that followed the change.
    var changeNote: String?
    var sent: Bool

    enum CodingKeys: String, CodingKey {
        case id
        case beganAt = "began_at"
        case endedAt = "ended_at"
        case factsSHA256 = "facts_sha256"
        case hostname
        case
            machineID = "machine_id"
        case kernel, microcode
        case msrStatus = "msr_status"
        case msrValue = "msr_value"
        case
            justified
        case kvmDefault = "kvm_default"
        case document
        case changeID = "change_id"
        case changeNote = "change_note"
        case sent
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let beganAt = Column(CodingKeys.beganAt)
        static let endedAt = Column(CodingKeys.endedAt)
        static let changeID = Column(CodingKeys.changeID)
        static let changeNote = Column(CodingKeys.changeNote)
        static let sent = Column(CodingKeys.sent)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
