import Foundation
import GuestCapCore

/// A saved host: the output of `guestcap host --format json`, or a `guestcap.report/v1` document
/// whose `host` member is used.
enum HostSnapshotFile {
    private struct Report: Decodable {
        let host: HostDocument
    }

    /// Reads and decodes one snapshot file, or says why it cannot be used.
    static func read(_ path: String) -> Result<HostSnapshot, PolicyFileReader.ReadFailure> {
        switch PolicyFileReader.read(path) {
        case .failure(let f): return .failure(f)
        case .success(let bytes): return decode(Data(bytes))
        }
    }

    /// Decodes snapshot JSON.
    static func decode(_ data: Data) -> Result<HostSnapshot, PolicyFileReader.ReadFailure> {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            return .failure(.init(reason: "not JSON (\(Self.jsonReason(error)))"))
        }
        guard let dictionary = object as? [String: Any] else {
            return .failure(.init(reason: "not a host snapshot: the JSON is not an object"
                                  + " (write one with 'guestcap host --format json')"))
        }
        let decoder = ReportCoding.decoder()
        do {
            if dictionary["hostname"] == nil, dictionary["host"] != nil {
                return .success(try decoder.decode(Report.self, from: data).host.snapshot)
            }
            return .success(try decoder.decode(HostDocument.self, from: data).snapshot)
        } catch let error as DecodingError {
            return .failure(.init(reason: "not a host snapshot: \(DecodingProblem.describe(error))"
                                  + " (write one with 'guestcap host --format json')"))
        } catch {
            return .failure(.init(reason: "not a host snapshot: \(DecodingProblem.describe(error))"))
        }
    }

    private static func jsonReason(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}
