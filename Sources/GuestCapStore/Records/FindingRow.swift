import Foundation
import GRDB
import GuestCapCore

/// A row of `finding`: one episode of a finding, from opened to resolved.
///
/// A finding that resolves and later comes back (same stable id) is a new row.
struct FindingRow: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "finding"
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy { StoreTime.encoding }
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy { StoreTime.decoding }

    var id: Int64?
    var findingID: String
    var guestID: Int64?
    var subject: String
    var rule: String
    var severity: String
    var bits: String
    var pool: String?
    var poolHost: String?
    /// `outgoing` or `incoming`, for migration-unsafe.
    var direction: String?
    var state: String
    var message: String
    var guestName: String?
    var guestUUID: String?
    var source: String?
    var configPath: String?
    var waiverReason: String?
    var waiverExpires: String?
    var guestValue: String?
    var justifiedValue: String?
    var hostValue: String?
    /// `[{"text": …, "line": …}]`.
    var origins: String
    var openedAt: Date
    var waivedAt: Date?
    var waiverExpiredAt: Date?
    var resolvedAt: Date?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id
        case findingID = "finding_id"
        case guestID = "guest_id"
        case subject, rule, severity, bits, pool
        case
            poolHost = "pool_host"
        case direction, state, message
        case guestName = "guest_name"
        case guestUUID = "guest_uuid"
        case source
        case
            configPath = "config_path"
        case waiverReason = "waiver_reason"
        case waiverExpires = "waiver_expires"
        case
            guestValue = "guest_value"
        case justifiedValue = "justified_value"
        case hostValue = "host_value"
        case origins
        case
            openedAt = "opened_at"
        case waivedAt = "waived_at"
        case waiverExpiredAt = "waiver_expired_at"
        case
            resolvedAt = "resolved_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let findingID = Column(CodingKeys.findingID)
        static let guestID = Column(CodingKeys.guestID)
        static let rule = Column(CodingKeys.rule)
        static let state = Column(CodingKeys.state)
        static let openedAt = Column(CodingKeys.openedAt)
        static let resolvedAt = Column(CodingKeys.resolvedAt)
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    static var databaseSelection: [any SQLSelectable] { StoredColumns.selection(CodingKeys.self) }
    static let columnsSQL = StoredColumns.sql(CodingKeys.self)

    /// A new row for a record first seen at `at`.
    init(_ r: FindingRecord, guestID: Int64?, openedAt: Date) {
        self.id = nil
        self.findingID = r.findingID
        self.guestID = guestID
        self.subject = r.subject
        self.rule = r.rule.rawValue
        self.severity = r.severity.rawValue
        self.bits = r.bits.hex
        self.state = r.state.rawValue
        self.message = r.message
        self.origins = "[]"
        self.openedAt = openedAt
        update(from: r)
    }

    /// Takes the record's descriptive fields (message, severity, waiver, values, origins).
    mutating func update(from r: FindingRecord) {
        severity = r.severity.rawValue
        pool = r.pool
        poolHost = r.poolHost
        direction = r.direction?.rawValue
        message = r.message
        guestName = r.guestName
        guestUUID = r.guestUUID
        source = r.source?.rawValue
        configPath = r.configPath
        waiverReason = r.waiverReason
        waiverExpires = r.waiverExpires
        guestValue = r.guestValue?.hex
        justifiedValue = r.justifiedValue?.hex
        hostValue = r.hostValue?.hex
        origins =
            r.origins.isEmpty ? "[]" : (try? String(decoding: Self.encoder.encode(r.origins), as: UTF8.self)) ?? "[]"
    }

    /// The finding as the core knows it.
    var record: FindingRecord {
        var origins = OriginCache()
        return record(origins: &origins)
    }

    /// The finding as the core knows it, decoding `origins` through `cache` (rows of one guest
    /// repeat the same few lists).
    func record(origins cache: inout OriginCache) -> FindingRecord {
        FindingRecord(
            findingID: findingID, subject: subject, rule: Rule(rawValue: rule) ?? .configUnreadable,
            severity: Severity(rawValue: severity) ?? .warning, bits: CapabilitySet.parse(hex: bits) ?? .empty,
            pool: pool, poolHost: poolHost, direction: direction.flatMap(MigrationDirection.init(rawValue:)),
            state: FindingState(rawValue: state) ?? .open, message: message,
            guestName: guestName, guestUUID: guestUUID, source: source.flatMap(GuestSource.init(rawValue:)),
            configPath: configPath, waiverReason: waiverReason, waiverExpires: waiverExpires,
            guestValue: guestValue.flatMap(CapabilitySet.parse(hex:)),
            justifiedValue: justifiedValue.flatMap(CapabilitySet.parse(hex:)),
            hostValue: hostValue.flatMap(CapabilitySet.parse(hex:)),
            origins: cache.decode(origins))
    }

    private static let encoder = JSONEncoder()
}

/// `finding.origins` texts already decoded, for one read.
typealias OriginCache = JSONColumnCache<[ConfigOrigin]>

// In an extension, so that the memberwise initializer stays.
extension FindingRow {
    /// Reads the columns by position, in `CodingKeys` order (Codable decoding by name is
    /// several times slower, and exports read hundreds of thousands of rows).
    init(row: Row) throws {
        id = row[0]
        findingID = row[1]
        guestID = row[2]
        subject = row[3]
        rule = row[4]
        severity = row[5]
        bits = row[6]
        pool = row[7]
        poolHost = row[8]
        direction = row[9]
        state = row[10]
        message = row[11]
        guestName = row[12]
        guestUUID = row[13]
        source = row[14]
        configPath = row[15]
        waiverReason = row[16]
        waiverExpires = row[17]
        guestValue = row[18]
        justifiedValue = row[19]
        hostValue = row[20]
        origins = row[21]
        openedAt = try StoreTime.date(row, 22)
        waivedAt = try StoreTime.optionalDate(row, 23)
        waiverExpiredAt = try StoreTime.optionalDate(row, 24)
        resolvedAt = try StoreTime.optionalDate(row, 25)
    }
}
