import Foundation
import GuestCapCore

/// The window an export covers: `[from, to)`, in UTC.
public struct ExportPeriod: Sendable, Equatable {
    public var from: Date
    public var to: Date

    /// The default length of a period: the last 24 hours.
    public static let defaultLength: TimeInterval = 24 * 3600

    /// Creates a period.
    /// - Throws: ``ExportError/emptyPeriod(from:to:)`` when `to` is not after `from`.
    public init(from: Date, to: Date) throws(ExportError) {
        guard from < to else { throw .emptyPeriod(from: from, to: to) }
        self.from = from
        self.to = to
    }

    /// The period named by `--since` and `--until` (RFC 3339 or `YYYY-MM-DD`); `--until`
    /// defaults to `now`, `--since` to 24 hours before the end.
    /// - Throws: ``ExportError/badDate(option:value:)`` or ``ExportError/emptyPeriod(from:to:)``.
    public static func parse(since: String?, until: String?, now: Date) throws(ExportError) -> ExportPeriod {
        let to = try until.map { v throws(ExportError) in try date(v, option: "--until") } ?? now
        let from =
            try since.map { v throws(ExportError) in try date(v, option: "--since") }
            ?? to.addingTimeInterval(-defaultLength)
        return try ExportPeriod(from: from, to: to)
    }

    private static func date(_ text: String, option: String) throws(ExportError) -> Date {
        guard let d = ReportCoding.parseDate(text) else { throw .badDate(option: option, value: text) }
        return d
    }

    /// Whether an interval `[start, end)` (end nil: still going) overlaps the period.
    public func overlaps(start: Date, end: Date?) -> Bool {
        start < to && (end.map { $0 > from } ?? true)
    }

    /// As the report's `period` member.
    public var document: ReportDocument.Period { .init(from: from, to: to) }

    /// `20261124T000000Z`, the form used in file names (no `:`, which some tools and file systems dislike).
    public static func compact(_ date: Date) -> String {
        ReportCoding.formatDate(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }
}
