import Foundation
import GuestCapCore

/// A saved host: `guestcap host --format json` output, or a `guestcap.report/v1` document whose
/// `host` member is one. The one decoder for both `--host-snapshot` and policy pool members.
public enum SnapshotFile {
    /// A snapshot file that cannot be used.
    public struct LoadError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Loads and decodes a snapshot file, read with the policy files' bounded reader.
    /// - Throws: `LoadError` naming the file and the reason.
    public static func load(path: String) throws(LoadError) -> HostSnapshot {
        switch PolicyFileReader.read(path) {
        case .failure(let f):
            let reason =
                switch f.reason {
                case "no such file": "does not exist"
                case "is larger than \(PolicyFileReader.sizeLimit >> 20) MiB": "is over 16 MiB; not a host snapshot"
                default: "cannot be read (\(f.reason))"
                }
            throw LoadError(path: path, reason: reason)
        case .success(let bytes):
            return try decode(Data(bytes), path: path)
        }
    }

    /// Decodes snapshot bytes.
    public static func decode(_ data: Data, path: String) throws(LoadError) -> HostSnapshot {
        do {
            return try document(data)
        } catch {
            throw LoadError(
                path: path,
                reason: "is not a guestcap host snapshot (expected the output of "
                    + "'guestcap host --format json' or a guestcap.report/v1 document): \(DecodingProblem.describe(error, data: data))"
            )
        }
    }

    /// Decodes snapshot JSON for a policy pool member: the reason alone, phrased for the policy check.
    static func decodeMember(_ data: Data) -> Result<HostSnapshot, PolicyFileReader.ReadFailure> {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            return .failure(.init(reason: "not JSON (\(jsonReason(error)))"))
        }
        guard object is [String: Any] else {
            return .failure(
                .init(
                    reason: "not a host snapshot: the JSON is not an object"
                        + " (write one with 'guestcap host --format json')"))
        }
        do {
            return .success(try document(data))
        } catch let error as DecodingError {
            return .failure(
                .init(
                    reason: "not a host snapshot: \(DecodingProblem.describe(error))"
                        + " (write one with 'guestcap host --format json')"))
        } catch {
            return .failure(.init(reason: "not a host snapshot: \(DecodingProblem.describe(error))"))
        }
    }

    /// A pool member's snapshot file, or why it cannot be used.
    static func readMember(_ path: String) -> Result<HostSnapshot, PolicyFileReader.ReadFailure> {
        switch PolicyFileReader.read(path) {
        case .failure(let f): return .failure(f)
        case .success(let bytes): return decodeMember(Data(bytes))
        }
    }

    /// The snapshot in either form: a host document, or a report whose `host` member is one (an
    /// object with `host` and no `hostname`); a decoding error is about the form the file has.
    private static func document(_ data: Data) throws -> HostSnapshot {
        struct Report: Decodable { let host: HostDocument }
        struct Shape: Decodable { let hostname: AnyDecodable?, host: AnyDecodable? }
        struct AnyDecodable: Decodable { init(from decoder: any Decoder) throws {} }
        let decoder = ReportCoding.decoder()
        if let shape = try? decoder.decode(Shape.self, from: data), shape.hostname == nil, shape.host != nil {
            return try decoder.decode(Report.self, from: data).host.snapshot
        }
        return try decoder.decode(HostDocument.self, from: data).snapshot
    }

    private static func jsonReason(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}
