/// One journal entry as a list of fields, in the order they are sent. A field may repeat
/// (`GUESTCAP_BIT=` once per bit); journald then returns it as a JSON array.
public struct JournalEntry: Sendable, Hashable {
    /// One `NAME=value` pair.
    public struct Field: Sendable, Hashable {
        public let name: String
        public let value: String
    }

    /// The fields, `MESSAGE` first.
    public private(set) var fields: [Field] = []

    /// An entry with a message and a syslog priority (0 emerg … 7 debug).
    public init(message: String, priority: Int, messageID: MessageID? = nil) {
        append("MESSAGE", message)
        append("PRIORITY", String(priority))
        if let messageID { append("MESSAGE_ID", messageID.id) }
        append("SYSLOG_IDENTIFIER", "guestcap")
    }

    /// Adds a field unless the value is nil. The name is made valid for the journal
    /// (upper case, digits and `_`, not starting with `_`).
    public mutating func append(_ name: String, _ value: String?) {
        guard let value else { return }
        fields.append(Field(name: Self.fieldName(name), value: value))
    }

    /// The first value of a field.
    public subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    /// The `MESSAGE` text.
    public var message: String { self["MESSAGE"] ?? "" }

    /// A valid journal field name for `name`: letters upper-cased, anything else that is
    /// not a digit or `_` turned into `_`, leading underscores and digits dropped, at most
    /// 64 characters (journald's limit).
    public static func fieldName(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "a"..."z": out.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9", "_": out.unicodeScalars.append(scalar)
            default: out.append("_")
            }
        }
        while let first = out.first, first == "_" || first.isNumber { out.removeFirst() }
        if out.isEmpty { out = "FIELD" }
        return String(out.prefix(64))
    }
}
