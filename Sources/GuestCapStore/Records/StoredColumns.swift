import GRDB

/// The column lists of records that read their columns by position (`init(row:)`): the
/// `CodingKeys` cases in declaration order, which is also the order of the table's columns.
enum StoredColumns {
    /// For the query interface (`databaseSelection`).
    static func selection<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) -> [any SQLSelectable] {
        Keys.allCases.map { Column($0.stringValue) }
    }

    /// For raw SQL, in place of `*`: `"id", "finding_id", …`, each after `prefix` (`t.`).
    static func sql<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type, prefix: String = "") -> String {
        Keys.allCases.map { "\(prefix)\"\($0.stringValue)\"" }.joined(separator: ", ")
    }
}
