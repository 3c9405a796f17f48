import Foundation
import GuestCapCore

/// `export --format json`: the report in ``ReportCoding``'s conventions, ending with a newline.
public enum ReportJSON {
    /// The document as JSON.
    public static func encode(_ report: ReportDocument, pretty: Bool = true) throws -> Data {
        // The direct writer gives the encoder's bytes, several times faster for long periods.
        var data = pretty ? try report.prettyJSON() : try ReportCoding.encoder(pretty: false).encode(report)
        data.append(contentsOf: Array("\n".utf8))
        return data
    }

    /// The pretty document handed to `sink` in pieces as it is written, ending with a newline:
    /// the same bytes as ``encode(_:pretty:)`` without holding them all.
    public static func write(_ report: ReportDocument, to sink: @escaping ([UInt8]) throws -> Void) throws {
        try report.writePrettyJSON(to: sink)
        try sink(Array("\n".utf8))
    }
}
