import Foundation

/// A forward-only reader of JSON text for decoders that want a few members of a large
/// document: wanted values are read in place and everything else is skipped, but still
/// checked, so malformed text anywhere is an error. No tree and no per-value allocation
/// beyond the strings asked for: Foundation's `JSONDecoder` spent most of `guestcap fleet`'s
/// CPU building what the fleet report then ignores.
///
/// Objects are read with ``beginObject()`` and ``nextMember(_:)`` until it returns
/// ``Member/end``; arrays with ``beginArray()`` and ``nextElement()``. Every value must be
/// consumed (read or skipped) before the next member or element is asked for.
struct JSONScanner {
    /// Why the text could not be read; ``path`` is filled in as the error leaves each member.
    struct Failure: Error {
        var message: String
        var path: [String] = []

        /// The message and where, like `expected a string at guests[3].name`.
        var reason: String {
            guard !path.isEmpty else { return message }
            var p = ""
            for c in path.reversed() { p += c.hasPrefix("[") || p.isEmpty ? c : "." + c }
            return "\(message) at \(p)"
        }

        /// The same failure, one level further out.
        func at(_ component: String) -> Failure {
            var f = self
            f.path.append(component)
            return f
        }
    }

    /// Member names a decoder knows, as bytes, in the order of `K.allCases`.
    struct Keys<K: RawRepresentable & CaseIterable & Sendable>: Sendable where K.RawValue == String {
        let names: [[UInt8]]
        let cases: [K]
        init() {
            cases = Array(K.allCases)
            names = cases.map { Array($0.rawValue.utf8) }
        }
    }

    /// What ``nextMember(_:)`` found.
    enum Member<K> {
        case key(K)
        case unknown
        case end
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0
    /// Set by `begin…`: the next member or element is the first of its container.
    var first = false
    var depth = 0
    /// Nesting deeper than this is refused (JSONDecoder's limit too), so skipping cannot exhaust the stack.
    static let maxDepth = 512

    /// A scanner over `bytes`, which must stay valid while it is used.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    // MARK: Structure

    /// Consumes `{`.
    mutating func beginObject() throws(Failure) {
        try open(UInt8(ascii: "{"), "an object")
    }

    /// The next member's key (its value follows), or ``Member/end`` after consuming `}`.
    mutating func nextMember<K>(_ keys: Keys<K>) throws(Failure) -> Member<K> {
        guard try more(close: UInt8(ascii: "}")) else { return .end }
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
        let (start, end, escaped) = try scanString()
        let found: Member<K> = try match(keys, start, end, escaped).map { .key($0) } ?? .unknown
        skipSpace()
        guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after a member name") }
        i += 1
        return found
    }

    /// Consumes `[`.
    mutating func beginArray() throws(Failure) {
        try open(UInt8(ascii: "["), "an array")
    }

    /// Whether another element follows (then it is next); false after consuming `]`.
    mutating func nextElement() throws(Failure) -> Bool {
        try more(close: UInt8(ascii: "]"))
    }

    /// Checks that nothing but white space follows the document.
    mutating func end() throws(Failure) {
        skipSpace()
        guard i == bytes.count else { throw fail("unexpected text after the document") }
    }

    // MARK: Values

    /// A string value.
    mutating func string() throws(Failure) -> String {
        skipSpace()
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        let (start, end, escaped) = try scanString()
        let text: String?
        if escaped {
            text = String(validating: try unescape(start, end), as: UTF8.self)
        } else {
            text = String(validating: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
        guard let text else { throw Failure(message: "a string is not valid UTF-8") }
        return text
    }

    /// A string value or null.
    mutating func optionalString() throws(Failure) -> String? {
        try null() ? nil : string()
    }

    /// A string that is one of `keys`' names, or nil (nothing consumed) when it is another string.
    /// Matched on the bytes: no `String` is made for the enumerations of a million findings.
    mutating func knownValue<K>(_ keys: Keys<K>) throws(Failure) -> K? {
        skipSpace()
        guard peek() == UInt8(ascii: "\"") else { throw fail("expected a string") }
        let before = i
        let (start, end, escaped) = try scanString()
        guard let k = try match(keys, start, end, escaped) else {
            i = before
            return nil
        }
        return k
    }

    /// A string that must be one of `keys`' names (an enumeration's raw values).
    mutating func value<K>(_ keys: Keys<K>) throws(Failure) -> K {
        if let k = try knownValue(keys) { return k }
        let text = try string()
        throw Failure(message: "'\(text)' is not a known value")
    }

    /// `true` or `false`.
    mutating func bool() throws(Failure) -> Bool {
        skipSpace()
        if literal("true") { return true }
        if literal("false") { return false }
        throw fail("expected true or false")
    }

    /// A number without fraction or exponent that fits an `Int`.
    mutating func int() throws(Failure) -> Int {
        skipSpace()
        let start = i
        let integral = try scanNumber()
        guard integral, let n = Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
        else { throw Failure(message: "expected a whole number") }
        return n
    }

    /// Consumes `null` if it is next.
    mutating func null() -> Bool {
        skipSpace()
        return literal("null")
    }

    /// Skips one value of any kind, checking it is well-formed.
    mutating func skipValue() throws(Failure) {
        skipSpace()
        guard let c = peek() else { throw fail("unexpected end of the document") }
        switch c {
        case UInt8(ascii: "\""): _ = try scanString()
        case UInt8(ascii: "{"):
            try beginObject()
            while try more(close: UInt8(ascii: "}")) {
                guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                _ = try scanString()
                skipSpace()
                guard peek() == UInt8(ascii: ":") else { throw fail("expected ':' after a member name") }
                i += 1
                try skipValue()
            }
        case UInt8(ascii: "["):
            try beginArray()
            while try more(close: UInt8(ascii: "]")) { try skipValue() }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool()
        case UInt8(ascii: "n"):
            guard null() else { throw fail("unexpected character") }
        default: _ = try scanNumber()
        }
    }
}
