import Foundation

/// What is wrong with a JSON document that failed to decode, told as a phrase for a message:
/// where in the document and what, never the decoder's own type names.
public enum DecodingProblem {
    /// `missing 'host.hostname'`, `'guests[2].status' has the wrong type`, `not JSON (…)`.
    public static func describe(_ error: any Error, data: Data? = nil) -> String {
        if let data, data.allSatisfy({ [0x20, 0x09, 0x0a, 0x0d].contains($0) }) { return "the file is empty" }
        guard let error = error as? DecodingError else { return plain(error) }
        switch error {
        case .keyNotFound(let key, let c): return "missing '\(path(c.codingPath + [key]))'"
        case .typeMismatch(_, let c): return "'\(path(c.codingPath))' has the wrong type"
        case .valueNotFound(_, let c): return "'\(path(c.codingPath))' is null"
        case .dataCorrupted(let c):
            if c.codingPath.isEmpty {
                return "not JSON" + (c.underlyingError.map { " (\(plain($0)))" } ?? "")
            }
            return "'\(path(c.codingPath))': \(c.debugDescription)"
        @unknown default: return "it does not decode"
        }
    }

    /// `guests[2].status`, from coding keys.
    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacingOccurrences(of: ".[", with: "[")
    }

    /// A Foundation error's own sentence (its debug description when it has one).
    private static func plain(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}
