import Foundation
import GuestCapCore

/// Reads a saved host: `guestcap host --format json` output, or a report whose `host` member is one.
public enum SnapshotFile {
    /// A snapshot file that cannot be used.
    public struct LoadError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Loads and decodes a snapshot file.
    /// - Throws: `LoadError` naming the file and the reason.
    public static func load(path: String) throws(LoadError) -> HostSnapshot {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw LoadError(path: path, reason: reason)
        }
        guard data.count <= 16 << 20 else { throw LoadError(path: path, reason: "is over 16 MiB; not a host snapshot") }
        return try decode(data, path: path)
    }

    /// Decodes snapshot bytes.
    public static func decode(_ data: Data, path: String) throws(LoadError) -> HostSnapshot {
        struct Wrapper: Decodable { let host: HostDocument }
        let decoder = ReportCoding.decoder()
        if let doc = try? decoder.decode(HostDocument.self, from: data) { return doc.snapshot }
        do {
            return try decoder.decode(Wrapper.self, from: data).host.snapshot
        } catch {
            throw LoadError(path: path, reason: "is not a guestcap host snapshot (expected the output of "
                + "'guestcap host --format json' or a guestcap.report/v1 document): \(DecodingProblem.describe(error, data: data))")
        }
    }
}
