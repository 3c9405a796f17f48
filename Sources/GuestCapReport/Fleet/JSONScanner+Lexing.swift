import Foundation

/// The lexing under ``JSONScanner``'s structure and values: strings, numbers, literals, keys.
extension JSONScanner {
    /// Which of `keys` the string content `start..<end` is.
    func match<K>(_ keys: Keys<K>, _ start: Int, _ end: Int, _ escaped: Bool) throws(Failure) -> K? {
        if escaped {
            let name = try unescape(start, end)
            return keys.names.firstIndex(of: name).map { keys.cases[$0] }
        }
        let count = end - start
        for (n, name) in keys.names.enumerated() where name.count == count {
            if name.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress! + start, count) == 0 }) {
                return keys.cases[n]
            }
        }
        return nil
    }

    /// The lowest set bit marks the first of eight bytes (little-endian) that is a quote, a
    /// backslash or a control character; 0 when there is none. Bits above it may be spurious.
    static func special(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ 0x2222_2222_2222_2222
        let backslash = w ^ 0x5c5c_5c5c_5c5c_5c5c
        return ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (w &- ones &* 0x20) & ~w) & high
    }

    func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    func fail(_ message: String) -> Failure {
        Failure(message: i < bytes.count ? "\(message) (byte \(i))" : "\(message): the document ends early")
    }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0a, 0x0d, 0x09: i += 1
            default: return
            }
        }
    }

    mutating func open(_ c: UInt8, _ what: String) throws(Failure) {
        skipSpace()
        guard peek() == c else { throw fail("expected \(what)") }
        depth += 1
        guard depth <= Self.maxDepth else { throw fail("nested too deeply") }
        i += 1
        first = true
    }

    /// After `{`/`[` or a value: consumes `,` and returns true, or consumes `close` and returns false.
    mutating func more(close: UInt8) throws(Failure) -> Bool {
        skipSpace()
        guard let c = peek() else { throw fail("unexpected end of the document") }
        if c == close {
            i += 1
            depth -= 1
            first = false
            return false
        }
        if first {
            first = false
            return true
        }
        guard c == UInt8(ascii: ",") else { throw fail("expected ',' or '\(Character(Unicode.Scalar(close)))'") }
        i += 1
        skipSpace()
        return true
    }

    mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard bytes.count - i >= n, memcmp(bytes.baseAddress! + i, word.utf8Start, n) == 0 else { return false }
        i += n
        return true
    }

    /// Consumes a string; returns the range of its content and whether it has escapes.
    mutating func scanString() throws(Failure) -> (Int, Int, Bool) {
        i += 1
        let start = i
        var escaped = false
        let base = UnsafeRawPointer(bytes.baseAddress!)  // not empty: a quote was seen
        while true {
            // Eight bytes at a time up to the next quote, backslash or control character.
            while i + 8 <= bytes.count {
                let found = Self.special(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                if found != 0 {
                    i += found.trailingZeroBitCount >> 3
                    break
                }
                i += 8
            }
            guard i < bytes.count else { throw fail("unterminated string") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return (start, i - 1, escaped)
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                guard i + 1 < bytes.count else { throw fail("unterminated string") }
                switch bytes[i + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= bytes.count, (i + 2..<i + 6).allSatisfy({ Self.hexDigit(bytes[$0]) != nil }) else {
                        throw fail("bad \\u escape")
                    }
                    i += 6
                default: throw fail("bad escape")
                }
                continue
            }
            guard c >= 0x20 else { throw fail("control character in a string") }
            i += 1
        }
    }

    /// The bytes of a string's content with its escapes resolved.
    func unescape(_ start: Int, _ end: Int) throws(Failure) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var j = start
        func hex4(_ at: Int) throws(Failure) -> UInt32 {
            guard at + 4 <= end else { throw Failure(message: "short \\u escape") }
            var v: UInt32 = 0
            for k in at..<at + 4 {
                guard let d = Self.hexDigit(bytes[k]) else { throw Failure(message: "bad \\u escape") }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        while j < end {
            let c = bytes[j]
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                j += 1
                continue
            }
            guard j + 1 < end else { throw Failure(message: "bad escape") }
            let e = bytes[j + 1]
            j += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(j)
                j += 4
                if (0xd800..<0xdc00).contains(scalar) {
                    // A surrogate pair: the low half must follow as another \u escape.
                    guard j + 6 <= end, bytes[j] == UInt8(ascii: "\\"), bytes[j + 1] == UInt8(ascii: "u") else {
                        throw Failure(message: "unpaired surrogate in a \\u escape")
                    }
                    let low = try hex4(j + 2)
                    guard (0xdc00..<0xe000).contains(low) else {
                        throw Failure(message: "unpaired surrogate in a \\u escape")
                    }
                    scalar = 0x10000 + ((scalar - 0xd800) << 10) + (low - 0xdc00)
                    j += 6
                }
                guard let u = Unicode.Scalar(scalar) else {
                    throw Failure(message: "unpaired surrogate in a \\u escape")
                }
                out.append(contentsOf: UTF8.encode(u)!)
            default: throw Failure(message: "bad escape")
            }
        }
        return out
    }

    /// The value of a hexadecimal digit, either case.
    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Consumes a number (RFC 8259 grammar); returns whether it had neither fraction nor exponent.
    mutating func scanNumber() throws(Failure) -> Bool {
        func digits(_ s: inout JSONScanner) -> Int {
            let from = s.i
            while s.i < s.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(s.bytes[s.i]) { s.i += 1 }
            return s.i - from
        }
        if peek() == UInt8(ascii: "-") { i += 1 }
        if peek() == UInt8(ascii: "0") {
            i += 1
        } else {
            guard digits(&self) > 0 else { throw fail("unexpected character") }
        }
        var integral = true
        if peek() == UInt8(ascii: ".") {
            i += 1
            guard digits(&self) > 0 else { throw fail("expected digits after '.'") }
            integral = false
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            i += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { i += 1 }
            guard digits(&self) > 0 else { throw fail("expected digits in an exponent") }
            integral = false
        }
        return integral
    }
}
