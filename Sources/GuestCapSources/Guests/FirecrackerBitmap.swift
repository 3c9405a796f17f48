import GuestCapCore

/// A Firecracker template bitmap (`0b` + `0`/`1`/`x` characters, most significant bit first):
/// which bits it clears and which it sets; `x` keeps a bit as it was.
struct FirecrackerBitmap: Sendable, Equatable {
    /// Bits written `0`.
    let clear: UInt64
    /// Bits written `1`.
    let set: UInt64

    /// Parses a bitmap of at most `width` digits; shorter ones are padded on the left with `x`.
    /// `_` separators and the `0b` prefix are optional, as Firecracker allows.
    /// - Throws: a sentence saying which character is wrong or how long the bitmap is.
    init(_ text: String, width: Int) throws(GuestConfigError) {
        var digits = Substring(text)
        if digits.hasPrefix("0b") { digits = digits.dropFirst(2) }
        var clear: UInt64 = 0
        var set: UInt64 = 0
        var count = 0
        for c in digits where c != "_" {
            guard c == "0" || c == "1" || c == "x" else {
                throw .malformed("bitmap \"\(text)\" has the character '\(c)'; only 0, 1, x and _ are allowed")
            }
            count += 1
            guard count <= width else {
                let total = digits.filter { $0 != "_" }.count
                throw .malformed("bitmap \"\(text)\" has \(total) digits, more than the \(width) of the register")
            }
            clear <<= 1
            set <<= 1
            if c == "0" { clear |= 1 }
            if c == "1" { set |= 1 }
        }
        self.clear = clear
        self.set = set
    }

    /// The state a bitmap gives one bit: `true` set, `false` cleared, nil kept.
    func state(ofBit n: Int) -> Bool? {
        if set & (1 << UInt64(n)) != 0 { return true }
        if clear & (1 << UInt64(n)) != 0 { return false }
        return nil
    }
}
