extension XMLDocumentParser.Scanner {
    /// The reason given for every DTD construct; refusing the DTD refuses all entity tricks.
    static let dtdRefusal = "DTDs and entities are refused as a defence against entity expansion"

    /// Reads markup starting `<!`: a comment or CDATA section; DTD declarations are refused.
    mutating func parseExclamationMarkup() throws(XMLParseError) {
        let start = position
        let rest = position + 2
        if bytes.matches("--", at: rest) {
            try skipComment()
            return
        }
        if bytes.matches("[CDATA[", at: rest) {
            try parseCDATA()
            return
        }
        if bytes.matchesLetters("DOCTYPE", at: rest) {
            throw failure(.doctype, at: start, "a DOCTYPE declaration is not allowed (\(Self.dtdRefusal))")
        }
        let declarations: [StaticString] = ["ENTITY", "ELEMENT", "ATTLIST", "NOTATION"]
        for declaration in declarations where bytes.matches(declaration, at: rest) {
            throw failure(
                .doctype, at: start, "an <!\(declaration) declaration is not allowed (\(Self.dtdRefusal))"
            )
        }
        if bytes.endsInside("--", at: rest) || bytes.endsInside("[CDATA[", at: rest)
            || bytes.endsInside("DOCTYPE", at: rest)
        {
            throw unexpectedEnd(inside: "markup starting with '<!'")
        }
        throw failure(
            .malformed, at: start,
            "'<!' must start a comment '<!--' or a CDATA section '<![CDATA[', found \(describeCharacter(at: rest))"
        )
    }

    /// Skips `<!-- … -->`; `--` inside a comment is an error, as XML requires.
    private mutating func skipComment() throws(XMLParseError) {
        let start = position
        let end = bytes.count
        var index = position + 4
        while index + 1 < end {
            if bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-") {
                guard index + 2 < end else { break }
                guard bytes[index + 2] == UInt8(ascii: ">") else {
                    throw failure(
                        .malformed, at: index,
                        "'--' is not allowed inside a comment (the comment opened on line \(line(at: start)))"
                    )
                }
                advance(to: index + 3)
                return
            }
            index += 1
        }
        throw unexpectedEnd(inside: "a comment opened on line \(line(at: start))")
    }

    /// Reads `<![CDATA[ … ]]>` and adds its content, unparsed, to the element's text.
    private mutating func parseCDATA() throws(XMLParseError) {
        let start = position
        guard !open.isEmpty else {
            throw failure(.malformed, at: start, "a CDATA section is only allowed inside the root element")
        }
        let contentStart = position + 9
        let end = bytes.count
        var index = contentStart
        while index + 2 < end {
            if bytes[index] == UInt8(ascii: "]"), bytes[index + 1] == UInt8(ascii: "]"),
                bytes[index + 2] == UInt8(ascii: ">")
            {
                if keepsContent { appendNormalizingLineEnds(contentStart..<index) }
                advance(to: index + 3)
                return
            }
            index += 1
        }
        throw unexpectedEnd(inside: "a CDATA section opened on line \(line(at: start))")
    }

    /// Skips a processing instruction `<?target … ?>`.
    mutating func skipProcessingInstruction() throws(XMLParseError) {
        let start = position
        position += 2
        guard let target = scanName() else { throw expected("a processing instruction target after '<?'") }
        if target.count == 3, bytes[target.lowerBound] | 0x20 == UInt8(ascii: "x"),
            bytes[target.lowerBound + 1] | 0x20 == UInt8(ascii: "m"),
            bytes[target.lowerBound + 2] | 0x20 == UInt8(ascii: "l")
        {
            throw failure(
                .malformed, at: start, "an XML declaration is only allowed at the very start of the document"
            )
        }
        let end = bytes.count
        var index = position
        guard index < end, !(bytes[index] == UInt8(ascii: "?") && index + 1 == end) else {
            throw unexpectedEnd(inside: "a processing instruction opened on line \(line(at: start))")
        }
        let closesAtOnce = bytes[index] == UInt8(ascii: "?") && bytes[index + 1] == UInt8(ascii: ">")
        guard Self.isWhitespace(bytes[index]) || closesAtOnce else {
            throw failure(
                .malformed, at: index,
                "expected whitespace or '?>' after the processing instruction target, found "
                    + describeCharacter(at: index)
            )
        }
        while index + 1 < end {
            if bytes[index] == UInt8(ascii: "?"), bytes[index + 1] == UInt8(ascii: ">") {
                advance(to: index + 2)
                return
            }
            index += 1
        }
        throw unexpectedEnd(inside: "a processing instruction opened on line \(line(at: start))")
    }
}
