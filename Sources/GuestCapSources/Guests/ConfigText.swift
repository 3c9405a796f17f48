/// Byte-level helpers shared by the parsers: UTF-8 validation with a position, line lookup.
enum ConfigText {
    /// The bytes as a string; configurations must be UTF-8 (libvirt, QEMU and Firecracker all assume it).
    /// - Throws: ``GuestConfigError/malformed(_:line:)`` naming the first bad byte and its line.
    static func decodeUTF8(_ bytes: [UInt8]) throws(GuestConfigError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error(let length):
                _ = length
                let byte = String(bytes[offset], radix: 16, uppercase: false)
                throw .malformed(
                    "is not valid UTF-8 (byte 0x\(byte.count == 1 ? "0" + byte : byte))",
                    line: line(atOffset: offset, in: bytes))
            case .emptyInput:
                // String(validating:) and the parser disagree only on inputs neither accepts.
                throw .malformed("is not valid UTF-8")
            }
        }
    }

    /// The 1-based line of a byte offset.
    static func line(atOffset offset: Int, in bytes: [UInt8]) -> Int {
        var line = 1
        for b in bytes[..<min(offset, bytes.count)] where b == UInt8(ascii: "\n") { line += 1 }
        return line
    }

    /// The 1-based line of the `occurrence`-th (0-based) appearance of `needle`, nil when absent.
    /// JSON parsers give no positions, so origins are found again in the text.
    static func line(of needle: String, occurrence: Int = 0, in bytes: [UInt8]) -> Int? {
        let n = Array(needle.utf8)
        guard !n.isEmpty, n.count <= bytes.count else { return nil }
        var seen = 0
        var i = 0
        while i + n.count <= bytes.count {
            if bytes[i] == n[0], bytes[i..<(i + n.count)].elementsEqual(n) {
                if seen == occurrence { return line(atOffset: i, in: bytes) }
                seen += 1
                i += n.count
            } else {
                i += 1
            }
        }
        return nil
    }

    /// The first byte that is not ASCII whitespace (a UTF-8 byte-order mark is skipped too).
    static func firstSignificantByte(_ bytes: [UInt8]) -> UInt8? {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        return bytes[start...].first { !isSpace($0) }
    }

    /// Space, tab, CR or LF.
    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
    }
}
