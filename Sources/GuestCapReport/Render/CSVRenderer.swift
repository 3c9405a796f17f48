import Foundation
import GuestCapCore

/// `export --format csv`: one row per finding, for spreadsheets (RFC 4180: CRLF line ends,
/// fields quoted when they hold a comma, a quote or a line break).
///
/// Host-level findings have an empty `guest`. A cell that a spreadsheet would run as a formula
/// (first character `=`, `+`, `-`, `@`, tab or CR — a guest name is chosen by whoever defines the
/// guest) is prefixed with `'`, the usual defence against CSV injection.
public enum CSVRenderer {
    /// The header, in order. The first nine are the columns issue 7 names; see docs/export.md.
    /// The last three came with R and G (issue 13): appended, so the earlier columns keep their
    /// places.
    public static let columns = [
        "host", "guest", "rule", "severity", "bits", "opened", "resolved", "state", "waiver",
        "waiver_expires", "guest_uuid", "guest_source", "guest_path", "pool", "pool_host", "last_seen",
        "finding_id", "message", "direction", "guest_told", "guest_requested",
    ]

    /// The whole file.
    public static func render(_ report: ReportDocument) -> String {
        var out = ""
        write(report, chunkSize: .max) { out += $0 }
        return out
    }

    /// The file handed to `sink` in pieces of about `chunkSize` bytes as rows are made: a long
    /// period has hundreds of thousands of findings.
    public static func write(
        _ report: ReportDocument, chunkSize: Int = 1 << 20,
        to sink: (String) throws -> Void
    ) rethrows {
        var pending = line(columns)
        let host = report.host.hostname
        // -1: the host's own findings, then each guest's.
        for index in -1..<report.guests.count {
            let guest = index < 0 ? nil : report.guests[index]
            for f in guest?.findings ?? report.hostFindings {
                pending += row(host: host, guest: guest, f)
                if pending.utf8.count >= chunkSize {
                    try sink(pending)
                    pending = ""
                }
            }
        }
        if !pending.isEmpty { try sink(pending) }
    }

    private static func row(host: String, guest: GuestDocument?, _ f: FindingDocument) -> String {
        let date = { (d: Date?) in d.map(ReportCoding.formatDate) ?? "" }
        let values = guest?.archCapabilities.flatMap(toldAndRequested)
        return line([
            host, guest.map { $0.name ?? $0.path } ?? "", f.rule, f.severity.rawValue, f.bits.joined(separator: ","),
            date(f.firstSeen), date(f.resolvedAt), f.state.rawValue, f.waiver?.reason ?? "", f.waiver?.expires ?? "",
            guest?.uuid ?? "", guest?.source.rawValue ?? "", guest?.path ?? "", f.pool ?? "", f.poolHost ?? "",
            date(f.lastSeen), f.id ?? "", f.message, f.direction?.rawValue ?? "", values?.told ?? "",
            values?.requested ?? "",
        ])
    }

    /// G and R as cells, only where they differ (empty otherwise): bit names, `none` for a
    /// readable value without bits, `hidden` for a value the guest cannot read.
    static func toldAndRequested(_ a: GuestDocument.Advertised) -> (told: String, requested: String)? {
        guard let r = a.requested, r.value != a.value || r.visible != a.visible else { return nil }
        func cell(_ bits: [String], visible: Bool) -> String {
            !visible ? "hidden" : bits.isEmpty ? "none" : bits.joined(separator: ",")
        }
        return (cell(a.bits, visible: a.visible), cell(r.bits, visible: r.visible))
    }

    /// One record with its CRLF.
    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// One field, defused and quoted as needed.
    static func field(_ raw: String) -> String {
        var s = raw
        if let c = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(c) { s = "'" + s }
        guard s.unicodeScalars.contains(where: { ",\"\n\r".unicodeScalars.contains($0) }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
