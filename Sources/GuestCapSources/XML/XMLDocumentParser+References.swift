extension XMLDocumentParser.Scanner {
    /// Decodes the reference whose `&` is at `offset` and which must end before `limit`.
    ///
    /// Only the five predefined entities and numeric character references exist here, since
    /// no DTD can define more; each decodes to one character, so nothing can expand.
    /// - Returns: The character's scalar value and the offset after the `;`.
    func reference(at offset: Int, before limit: Int) throws(XMLParseError) -> (UInt32, Int) {
        var index = offset + 1
        if index < limit, bytes[index] == UInt8(ascii: "#") {
            return try characterReference(at: offset, before: limit)
        }
        let nameStart = index
        guard index < bytes.count else { throw unexpectedEnd(inside: "a reference") }
        guard index < limit, bytes[index] >= 0x80 || Self.isASCIINameStart(bytes[index]) else {
            throw failure(.malformed, at: offset, "a bare '&' is not allowed; write it as &amp;")
        }
        while index < limit, bytes[index] >= 0x80 || Self.isASCIINameCharacter(bytes[index]) {
            index += 1
        }
        guard index < bytes.count else { throw unexpectedEnd(inside: "the reference '&\(shown(nameStart..<index))'") }
        guard index < limit, bytes[index] == UInt8(ascii: ";") else {
            throw failure(
                .malformed, at: offset,
                "the entity reference '&\(shown(nameStart..<index))' is not terminated by ';'"
            )
        }
        let first = bytes[nameStart]
        switch index - nameStart {
        case 2 where bytes[nameStart + 1] == UInt8(ascii: "t"):
            if first == UInt8(ascii: "l") { return (0x3C, index + 1) }
            if first == UInt8(ascii: "g") { return (0x3E, index + 1) }
        case 3 where bytes.matches("amp", at: nameStart):
            return (0x26, index + 1)
        case 4 where bytes.matches("quot", at: nameStart):
            return (0x22, index + 1)
        case 4 where bytes.matches("apos", at: nameStart):
            return (0x27, index + 1)
        default:
            break
        }
        throw failure(
            .entity, at: offset,
            "the entity '&\(shown(nameStart..<index));' is not defined; only &lt; &gt; &amp; &quot; &apos; "
                + "and numeric character references are allowed"
        )
    }

    /// Decodes `&#123;` or `&#x7B;` at `offset`.
    private func characterReference(at offset: Int, before limit: Int) throws(XMLParseError) -> (UInt32, Int) {
        var index = offset + 2
        var radix: UInt32 = 10
        if index < limit, bytes[index] == UInt8(ascii: "x") {
            radix = 16
            index += 1
        }
        let digitsStart = index
        var value: UInt32 = 0
        while index < limit, let digit = Self.digit(bytes[index], radix: radix) {
            // Stop accumulating once out of range so long digit strings cannot overflow.
            if value <= 0x10FFFF { value = value * radix + digit }
            index += 1
        }
        guard index < bytes.count else { throw unexpectedEnd(inside: "a character reference") }
        guard index > digitsStart, index < limit, bytes[index] == UInt8(ascii: ";") else {
            throw failure(
                .malformed, at: offset,
                "the character reference '\(shown(offset..<min(index + 1, limit)))' is not a number ended by ';'"
            )
        }
        guard Self.isXMLCharacter(value) else {
            throw failure(
                .entity, at: offset,
                "the character reference '\(shown(offset..<index + 1))' does not name a character allowed in XML"
            )
        }
        return (value, index + 1)
    }

    /// The value of `byte` as a digit in `radix` (10 or 16), or nil.
    private static func digit(_ byte: UInt8, radix: UInt32) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: return UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: return UInt32(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Whether `value` is an XML 1.0 Char: tab, LF, CR, or a scalar outside the control,
    /// surrogate and U+FFFE/U+FFFF ranges.
    static func isXMLCharacter(_ value: UInt32) -> Bool {
        switch value {
        case 0x09, 0x0A, 0x0D, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    /// Appends the UTF-8 encoding of a valid scalar value.
    static func appendUTF8(_ value: UInt32, to buffer: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            buffer.append(UInt8(value))
        case 0x80..<0x800:
            buffer.append(UInt8(0xC0 | value >> 6))
            buffer.append(UInt8(0x80 | value & 0x3F))
        case 0x800..<0x10000:
            buffer.append(UInt8(0xE0 | value >> 12))
            buffer.append(UInt8(0x80 | value >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | value & 0x3F))
        default:
            buffer.append(UInt8(0xF0 | value >> 18 & 0x07))
            buffer.append(UInt8(0x80 | value >> 12 & 0x3F))
            buffer.append(UInt8(0x80 | value >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | value & 0x3F))
        }
    }

    /// Checks the references in an attribute value that is not kept, as `decodeAttributeValue` would.
    func checkAttributeValue(_ range: Range<Int>) throws(XMLParseError) {
        var nothing: [UInt8] = []
        try decodeCharacterData(range, inAttribute: true, keeping: false, into: &nothing)
    }

    /// An attribute value with references decoded and each literal tab, LF, CR or CR LF turned
    /// into one space, as XML's attribute-value normalisation requires.
    mutating func decodeAttributeValue(_ range: Range<Int>) throws(XMLParseError) -> String {
        // Borrow the scratch buffer so its capacity is reused across values.
        var decoded: [UInt8] = []
        swap(&decoded, &valueScratch)
        decoded.removeAll(keepingCapacity: true)
        try decodeCharacterData(range, inAttribute: true, keeping: true, into: &decoded)
        let value = String(decoding: decoded, as: UTF8.self)
        swap(&decoded, &valueScratch)
        return value
    }

    /// Decodes the references in text or an attribute value and normalises its line ends,
    /// appending the result to `output` only when `keeping` (else it only checks).
    ///
    /// CR LF and a lone CR are one line end. In text a line end becomes LF and `]]>` is refused;
    /// in an attribute value a line end or tab becomes a space.
    func decodeCharacterData(
        _ range: Range<Int>, inAttribute: Bool, keeping: Bool, into output: inout [UInt8]
    ) throws(XMLParseError) {
        let end = range.upperBound
        var index = range.lowerBound
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "&"):
                let (scalar, next) = try reference(at: index, before: end)
                if keeping { Self.appendUTF8(scalar, to: &output) }
                index = next
            case 0x0D:
                if keeping { output.append(inAttribute ? 0x20 : 0x0A) }
                index += 1
                if index < end, bytes[index] == 0x0A { index += 1 }
            case 0x09, 0x0A:
                if keeping { output.append(inAttribute ? 0x20 : byte) }
                index += 1
            case UInt8(ascii: "]")
            where !inAttribute && index + 2 < end && bytes[index + 1] == UInt8(ascii: "]")
                && bytes[index + 2] == UInt8(ascii: ">"):
                throw failure(.malformed, at: index, "']]>' is not allowed in text outside a CDATA section")
            default:
                if keeping { output.append(byte) }
                index += 1
            }
        }
    }
}
