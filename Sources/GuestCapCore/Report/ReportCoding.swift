import Foundation

/// The JSON conventions of every guestcap document: UTC RFC 3339 dates, stable key order.
public enum ReportCoding {
    /// An encoder for reports and snapshots.
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(formatDate(date))
        }
        return e
    }

    /// A decoder that reads what ``encoder(pretty:)`` writes (and RFC 3339 with fractions).
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = parseDate(text) else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "'\(text)' is not an RFC 3339 date-time")
            }
            return date
        }
        return d
    }

    // Value-type format styles: Sendable, so they are made once instead of per date.
    private static let plain = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)
    private static let fractional = Date.ISO8601FormatStyle(
        includingFractionalSeconds: true,
        timeZone: TimeZone(identifier: "UTC")!)
    private static let dayOnly = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day()

    /// `2026-11-25T06:00:00Z`.
    public static func formatDate(_ date: Date) -> String {
        plain.format(date)
    }

    /// Parses RFC 3339 (with or without fractional seconds) or a plain `YYYY-MM-DD` (midnight UTC).
    public static func parseDate(_ text: String) -> Date? {
        if let d = try? plain.parse(text) { return d }
        if let d = try? fractional.parse(text) { return d }
        if text.count == 10, let d = try? dayOnly.parse(text) { return d }
        return nil
    }
}
