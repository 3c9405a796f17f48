import Foundation
import GuestCapCore

/// `export --format json`: the report in ``ReportCoding``'s conventions, ending with a newline.
public enum ReportJSON {
    /// The document as JSON.
    public static func encode(_ report: ReportDocument, pretty: Bool = true) throws -> Data {
        var data = try ReportCoding.encoder(pretty: pretty).encode(report)
        data.append(contentsOf: Array("\n".utf8))
        return data
    }
}
