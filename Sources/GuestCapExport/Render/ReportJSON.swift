import Foundation
import GuestCapCore

/// `export --format json`: the report in ``ReportCoding``'s conventions, with the members the
/// schema requires but allows to be null (a guest's `name` and `arch_capabilities`, as an
/// unreadable guest has them) written as `null` instead of left out.
///
/// The synthesized `Codable` of ``GuestDocument`` drops nil members, which
/// contracts/report.schema.json rejects for `guests[].name` and `guests[].arch_capabilities`;
/// when GuestCapCore encodes them itself, this wrapper can go.
public enum ReportJSON {
    /// The document as JSON, followed by a newline.
    public static func encode(_ report: ReportDocument, pretty: Bool = true) throws -> Data {
        var data = try ReportCoding.encoder(pretty: pretty).encode(Document(report: report))
        data.append(contentsOf: Array("\n".utf8))
        return data
    }

    private struct Document: Encodable {
        let report: ReportDocument
        enum Keys: String, CodingKey {
            case format, generatedAt = "generated_at", period, policy, host, guests, hostFindings = "host_findings",
                 summary, skipped, hostSnapshots = "host_snapshots"
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(report.format, forKey: .format)
            try c.encode(report.generatedAt, forKey: .generatedAt)
            try c.encodeIfPresent(report.period, forKey: .period)
            try c.encodeIfPresent(report.policy, forKey: .policy)
            try c.encode(report.host, forKey: .host)
            try c.encode(report.guests.map(Guest.init), forKey: .guests)
            try c.encode(report.hostFindings, forKey: .hostFindings)
            try c.encode(report.summary, forKey: .summary)
            try c.encodeIfPresent(report.skipped, forKey: .skipped)
            try c.encodeIfPresent(report.hostSnapshots, forKey: .hostSnapshots)
        }
    }

    private struct Guest: Encodable {
        let g: GuestDocument
        enum Keys: String, CodingKey {
            case name, uuid, source, path, status, error, archCapabilities = "arch_capabilities", findings
        }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(g.name, forKey: .name)
            try c.encode(g.uuid, forKey: .uuid)
            try c.encode(g.source, forKey: .source)
            try c.encode(g.path, forKey: .path)
            try c.encode(g.status, forKey: .status)
            try c.encodeIfPresent(g.error, forKey: .error)
            try c.encode(g.archCapabilities, forKey: .archCapabilities)
            try c.encode(g.findings, forKey: .findings)
        }
    }
}
