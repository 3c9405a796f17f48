extension XMLDocumentParser.Scanner {
    /// Reads character data up to the next `<` and adds it to the innermost element's text.
    mutating func parseCharacterData() throws(XMLParseError) {
        let start = position
        let end = bytes.count
        // '<' ends the run; LF counts a line; '&', CR and ']' (for "]]>") need the slow path.
        let stops: UInt64 = 1 << 0x3C | 1 << 0x26 | 1 << 0x0A | 1 << 0x0D
        var plain = true
        var lines = 0
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte < 64 {
                if stops >> UInt64(byte) & 1 != 0 {
                    if byte == UInt8(ascii: "<") { break }
                    if byte == 0x0A {
                        lines += 1
                    } else {
                        plain = false
                        if endsLine(at: index) { lines += 1 }
                    }
                }
            } else if byte == UInt8(ascii: "]") {
                plain = false
            }
            index += 1
        }
        position = index
        line += lines
        let range = start..<index
        if open.isEmpty {
            try checkOutsideRoot(range)
        } else if !keepsContent {
            if !plain { try appendDecodedText(range, keeping: false) }
        } else if plain {
            text.append(contentsOf: bytes.slice(range))
        } else {
            try appendDecodedText(range, keeping: true)
        }
    }

    /// Text outside the root element may only be whitespace.
    private func checkOutsideRoot(_ range: Range<Int>) throws(XMLParseError) {
        for index in range where !Self.isWhitespace(bytes[index]) {
            if let root {
                throw failure(
                    .malformed, at: index,
                    "only whitespace, comments and processing instructions may follow the root element "
                        + "<\(root.name)>; found text"
                )
            }
            throw failure(.malformed, at: index, "text is not allowed before the root element")
        }
    }

    /// Adds text with references decoded and line ends normalised, refusing `]]>`; when not
    /// `keeping`, only checks it.
    private mutating func appendDecodedText(_ range: Range<Int>, keeping: Bool) throws(XMLParseError) {
        // The text buffer is swapped out so the decoder can append to it while reading `bytes`.
        var buffer: [UInt8] = []
        swap(&buffer, &text)
        defer { swap(&buffer, &text) }
        try decodeCharacterData(range, inAttribute: false, keeping: keeping, into: &buffer)
    }

    /// Adds CDATA content with CR LF and lone CR turned into LF.
    mutating func appendNormalizingLineEnds(_ range: Range<Int>) {
        var index = range.lowerBound
        var runStart = index
        while index < range.upperBound {
            if bytes[index] == 0x0D {
                text.append(contentsOf: bytes.slice(runStart..<index))
                text.append(0x0A)
                index += 1
                if index < range.upperBound, bytes[index] == 0x0A { index += 1 }
                runStart = index
            } else {
                index += 1
            }
        }
        text.append(contentsOf: bytes.slice(runStart..<range.upperBound))
    }
}
