extension XMLDocumentParser.Scanner {
    /// The offset after a UTF-8 byte order mark, refusing documents in UTF-16 or UTF-32.
    func contentStart() throws(XMLParseError) -> Int {
        let count = bytes.count
        func refuse(_ encoding: String) -> XMLParseError {
            XMLParseError(
                kind: .notUTF8, line: 1,
                reason: "the document is encoded in \(encoding); only UTF-8 is accepted"
            )
        }
        if count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            return 3
        }
        if count >= 4, bytes[0] == 0x00, bytes[1] == 0x00, bytes[2] == 0xFE, bytes[3] == 0xFF {
            throw refuse("UTF-32 (big-endian byte order mark)")
        }
        if count >= 4, bytes[0] == 0xFF, bytes[1] == 0xFE, bytes[2] == 0x00, bytes[3] == 0x00 {
            throw refuse("UTF-32 (little-endian byte order mark)")
        }
        if count >= 2, bytes[0] == 0xFE, bytes[1] == 0xFF {
            throw refuse("UTF-16 (big-endian byte order mark)")
        }
        if count >= 2, bytes[0] == 0xFF, bytes[1] == 0xFE {
            throw refuse("UTF-16 (little-endian byte order mark)")
        }
        // "<" as UTF-16 or UTF-32 without a byte order mark starts with or follows a zero byte.
        if count >= 2, bytes[0] == 0x00 || bytes[1] == 0x00 {
            throw refuse("UTF-16 or UTF-32 (zero bytes at the start)")
        }
        return 0
    }

    /// Checks once, up front, that every byte from `start` is UTF-8 encoding an XML character,
    /// so later steps can build strings from slices without checking again.
    func validateCharacters(from start: Int) throws(XMLParseError) {
        typealias Input = XMLDocumentParser.Input
        let count = bytes.count
        var index = start
        while index < count {
            // Eight bytes at a time while they are ASCII and any control characters among
            // them are tab, LF or CR; the per-byte path below handles everything else.
            if index + 8 <= count {
                let word = bytes.word(at: index)
                if word & 0x8080_8080_8080_8080 == 0 {
                    let control = Input.zeroBytes(word & 0xE0E0_E0E0_E0E0_E0E0)
                    if control == 0 {
                        index += 8
                        continue
                    }
                    let allowed =
                        Input.zeroBytes(word ^ Input.repeated(0x0A))
                        | Input.zeroBytes(word ^ Input.repeated(0x09))
                        | Input.zeroBytes(word ^ Input.repeated(0x0D))
                    if control & ~allowed == 0 {
                        index += 8
                        continue
                    }
                }
            }
            let byte = bytes[index]
            if byte < 0x80 {
                if byte < 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D {
                    throw failure(
                        .malformed, at: index,
                        "the control character U+\(hex(UInt32(byte))) is not allowed in XML"
                    )
                }
                index += 1
            } else {
                index += try validateSequence(at: index)
            }
        }
    }

    /// The length of the valid multi-byte UTF-8 sequence at `offset` (Unicode table 3-7).
    private func validateSequence(at offset: Int) throws(XMLParseError) -> Int {
        let count = bytes.count
        let lead = bytes[offset]
        func byte(_ index: Int) -> UInt8 { offset + index < count ? bytes[offset + index] : 0 }
        func isContinuation(_ index: Int) -> Bool { byte(index) & 0xC0 == 0x80 }
        let length: Int
        switch lead {
        case 0xC2...0xDF:
            length = isContinuation(1) ? 2 : 0
        case 0xE0:
            length = (0xA0...0xBF).contains(byte(1)) && isContinuation(2) ? 3 : 0
        case 0xED:
            length = (0x80...0x9F).contains(byte(1)) && isContinuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            length = isContinuation(1) && isContinuation(2) ? 3 : 0
        case 0xF0:
            length = (0x90...0xBF).contains(byte(1)) && isContinuation(2) && isContinuation(3) ? 4 : 0
        case 0xF1...0xF3:
            length = isContinuation(1) && isContinuation(2) && isContinuation(3) ? 4 : 0
        case 0xF4:
            length = (0x80...0x8F).contains(byte(1)) && isContinuation(2) && isContinuation(3) ? 4 : 0
        default:
            length = 0
        }
        guard length > 0 else {
            let shownBytes = (offset..<min(offset + 4, count)).map { index in
                let digits = String(bytes[index], radix: 16, uppercase: true)
                return "0x" + (digits.count < 2 ? "0" : "") + digits
            }
            throw failure(
                .notUTF8, at: offset,
                "the bytes \(shownBytes.joined(separator: " ")) at byte offset \(offset) are not valid UTF-8"
            )
        }
        // U+FFFE and U+FFFF are valid UTF-8 but not XML characters.
        if lead == 0xEF, byte(1) == 0xBF, byte(2) >= 0xBE {
            throw failure(
                .malformed, at: offset,
                "the noncharacter U+FF\(byte(2) == 0xBE ? "FE" : "FF") is not allowed in XML"
            )
        }
        return length
    }
}
