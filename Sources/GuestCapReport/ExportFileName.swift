import Foundation
import GuestCapCore

/// The names of the files `export --format all` writes.
public enum ExportFileName {
    /// `guestcap-<hostname>-<from>--<to>` (no extension), dates as `20261124T000000Z`; a check
    /// report (no period) uses its generation time for both.
    public static func base(_ report: ReportDocument) -> String {
        let host = String(
            report.host.hostname.unicodeScalars.map { c -> Character in
                CharacterSet.alphanumerics.contains(c) && c.isASCII || c == "." || c == "-" || c == "_"
                    ? Character(c) : "_"
            })
        let from = report.period?.from ?? report.generatedAt
        let to = report.period?.to ?? report.generatedAt
        return "guestcap-\(host.isEmpty ? "host" : host)-\(ExportPeriod.compact(from))--\(ExportPeriod.compact(to))"
    }
}
