import Foundation

/// A JSON column's texts already decoded, for one read: the rows of a period repeat the same
/// few texts (a guest's origins and provenance), and `JSONDecoder` per row dominated exports.
struct JSONColumnCache<Value: Decodable & EmptyConstructible> {
    private var decoded: [String: Value] = [:]
    private let decoder = JSONDecoder()

    /// The value `text` holds; empty when it does not decode.
    mutating func decode(_ text: String) -> Value {
        if let known = decoded[text] { return known }
        let value = (try? decoder.decode(Value.self, from: Data(text.utf8))) ?? Value()
        decoded[text] = value
        return value
    }
}

/// Collections that have an empty value, for ``JSONColumnCache``'s fallback.
protocol EmptyConstructible { init() }
extension Array: EmptyConstructible {}
extension Dictionary: EmptyConstructible {}
