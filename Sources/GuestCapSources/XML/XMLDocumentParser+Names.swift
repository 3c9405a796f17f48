extension XMLDocumentParser.Scanner {
    /// Reads an XML Name at `position` and returns its range; nil, without moving, when no
    /// name starts there.
    @inline(__always)
    mutating func scanName() -> Range<Int>? {
        let start = position
        let end = bytes.count
        guard start < end else { return nil }
        var index = start
        let first = bytes[index]
        if first < 0x80 {
            guard Self.isASCIINameStart(first) else { return nil }
            index += 1
        } else {
            let (scalar, length) = bytes.scalar(at: index)
            guard Self.isNameStart(scalar) else { return nil }
            index += length
        }
        while index < end {
            let byte = bytes[index]
            if byte < 0x80 {
                guard Self.isASCIINameCharacter(byte) else { break }
                index += 1
            } else {
                let (scalar, length) = bytes.scalar(at: index)
                guard Self.isNameStart(scalar) || Self.isNameOnly(scalar) else { break }
                index += length
            }
        }
        position = index
        return start..<index
    }

    /// The error for a missing name or token at `position`: `what` was expected.
    func expected(_ what: String) -> XMLParseError {
        guard position < bytes.count else { return unexpectedEnd(inside: "a tag, expecting \(what)") }
        return failure(.malformed, at: position, "expected \(what), found \(describeCharacter(at: position))")
    }

    // ASCII name characters as bit sets over 0...63 and 64...127: fast and branch-light.
    private static let nameStartLow: UInt64 = 1 << 0x3A  // ':'
    private static let nameStartHigh: UInt64 = 0x07FF_FFFE_87FF_FFFE  // A-Z, '_', a-z
    private static let nameLow: UInt64 = nameStartLow | 0x03FF_6000_0000_0000  // '-', '.', 0-9

    /// Whether `byte` is an ASCII character that may start a name.
    @inline(__always)
    static func isASCIINameStart(_ byte: UInt8) -> Bool {
        let mask = byte < 64 ? nameStartLow : byte < 128 ? nameStartHigh : 0
        return mask >> UInt64(byte & 63) & 1 != 0
    }

    /// Whether `byte` is an ASCII character that may continue a name.
    @inline(__always)
    static func isASCIINameCharacter(_ byte: UInt8) -> Bool {
        let mask = byte < 64 ? nameLow : byte < 128 ? nameStartHigh : 0
        return mask >> UInt64(byte & 63) & 1 != 0
    }

    /// NameStartChar above ASCII (XML 1.0 fifth edition, production 4).
    static func isNameStart(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0xC0...0xD6, 0xD8...0xF6, 0xF8...0x2FF, 0x370...0x37D, 0x37F...0x1FFF,
            0x200C...0x200D, 0x2070...0x218F, 0x2C00...0x2FEF, 0x3001...0xD7FF,
            0xF900...0xFDCF, 0xFDF0...0xFFFD, 0x10000...0xEFFFF:
            return true
        default:
            return false
        }
    }

    /// Characters above ASCII allowed in a name but not first (production 4a).
    static func isNameOnly(_ scalar: UInt32) -> Bool {
        scalar == 0xB7 || (0x300...0x36F).contains(scalar) || (0x203F...0x2040).contains(scalar)
    }
}
