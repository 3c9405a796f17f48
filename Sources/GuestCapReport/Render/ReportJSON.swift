import Foundation
import GuestCapCore

/// `export --format json` and `check --format json`: the report in ``ReportCoding``'s
/// conventions, ending with a newline.
public enum ReportJSON {
    /// The pretty document handed to `sink` in pieces as it is written, ending with a newline:
    /// the encoder's bytes (``ReportDocument/prettyJSON()``) without holding them all.
    public static func write(_ report: ReportDocument, to sink: @escaping ([UInt8]) throws -> Void) throws {
        try report.writePrettyJSON(to: sink)
        try sink(Array("\n".utf8))
    }
}
