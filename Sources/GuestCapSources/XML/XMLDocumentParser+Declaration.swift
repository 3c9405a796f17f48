extension XMLDocumentParser.Scanner {
    /// Skips `<?xml version="1.x" encoding="…" standalone="…"?>` at the start, checking its
    /// grammar and refusing any declared encoding other than UTF-8.
    mutating func skipXMLDeclaration() throws(XMLParseError) {
        guard bytes.matches("<?xml", at: position) else { return }
        let count = bytes.count
        guard position + 5 < count else { throw unexpectedEnd(inside: "the XML declaration") }
        let after = bytes[position + 5]
        // Anything else, such as <?xml-stylesheet, is an ordinary processing instruction.
        guard Self.isWhitespace(after) || after == UInt8(ascii: "?") else { return }
        position += 5
        // The pseudo-attributes come in this order, version required, the others optional.
        let order = ["version", "encoding", "standalone"]
        var seen = 0
        while true {
            let sawSpace = skipWhitespace()
            guard position < count else { throw unexpectedEnd(inside: "the XML declaration") }
            if bytes[position] == UInt8(ascii: "?"), seen > 0 {
                guard position + 1 < count else { throw unexpectedEnd(inside: "the XML declaration") }
                guard bytes[position + 1] == UInt8(ascii: ">") else {
                    throw failure(.malformed, at: position, "expected '?>' to end the XML declaration")
                }
                position += 2
                return
            }
            guard sawSpace, let nameRange = scanName() else {
                throw expected(seen == 0 ? "version=\"1.0\" in the XML declaration" : "'?>' or a pseudo-attribute")
            }
            let name = bytes.string(nameRange)
            guard let rank = order.firstIndex(of: name).map({ $0 + 1 }), rank > seen, seen > 0 || rank == 1 else {
                throw failure(
                    .malformed, at: nameRange.lowerBound,
                    "'\(shown(nameRange))' is out of place in the XML declaration, "
                        + "which takes version, then optionally encoding and standalone"
                )
            }
            seen = rank
            let valueRange = try declarationValue(of: nameRange)
            try check(name, valueRange)
        }
    }

    /// Checks the value of the pseudo-attribute `name`.
    private func check(_ name: String, _ valueRange: Range<Int>) throws(XMLParseError) {
        let value = bytes.string(valueRange)
        switch name {
        case "version":
            let digits = value.utf8.dropFirst(2)
            guard value.hasPrefix("1."), !digits.isEmpty, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw failure(
                    .malformed, at: valueRange.lowerBound, "the XML version '\(shown(valueRange))' is not 1.x"
                )
            }
        case "encoding":
            let encoding = value.lowercased()
            guard encoding == "utf-8" || encoding == "utf8" else {
                throw failure(
                    .notUTF8, at: valueRange.lowerBound,
                    "the XML declaration names the encoding '\(shown(valueRange))'; only UTF-8 is accepted"
                )
            }
        default:
            guard value == "yes" || value == "no" else {
                throw failure(
                    .malformed, at: valueRange.lowerBound,
                    "standalone must be 'yes' or 'no', not '\(shown(valueRange))'"
                )
            }
        }
    }

    /// Reads `= "value"` after a pseudo-attribute's name and returns the value's range.
    private mutating func declarationValue(of nameRange: Range<Int>) throws(XMLParseError) -> Range<Int> {
        let quote = try openQuotedValue(after: nameRange, in: .declaration)
        let valueStart = position
        var valueEnd = valueStart
        while valueEnd < bytes.count, bytes[valueEnd] != quote {
            valueEnd += 1
        }
        guard valueEnd < bytes.count else { throw unexpectedEnd(inside: "the XML declaration") }
        advance(to: valueEnd + 1)
        return valueStart..<valueEnd
    }
}

extension XMLDocumentParser.Scanner {
    /// Where a `name = "value"` pair stands, which its messages name.
    enum PairSite {
        case declaration
        /// An attribute of the element whose name is at `element`, in a start tag on `line`.
        case attribute(element: Range<Int>, line: Int)
    }

    /// Steps over the `=` (whitespace allowed around it) and the opening quote after the name
    /// at `nameRange`, and returns the quote.
    mutating func openQuotedValue(after nameRange: Range<Int>, in site: PairSite) throws(XMLParseError) -> UInt8 {
        _ = skipWhitespace()
        try require(UInt8(ascii: "="), inside: inside(site), otherwise: noEquals(after: nameRange, in: site))
        position += 1
        _ = skipWhitespace()
        guard position < bytes.count else { throw unexpectedEnd(inside: inside(site)) }
        let quote = bytes[position]
        guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else {
            throw failure(.malformed, at: position, unquoted(nameRange, in: site))
        }
        position += 1
        return quote
    }

    private func inside(_ site: PairSite) -> String {
        switch site {
        case .declaration: "the XML declaration"
        case .attribute(let element, let line): "the start tag of <\(shown(element))> on line \(line)"
        }
    }

    private func noEquals(after nameRange: Range<Int>, in site: PairSite) -> String {
        switch site {
        case .declaration: "expected '=' after '\(shown(nameRange))' in the XML declaration"
        case .attribute(let element, _):
            "the attribute '\(shown(nameRange))' of <\(shown(element))> has no '=' and value"
        }
    }

    private func unquoted(_ nameRange: Range<Int>, in site: PairSite) -> String {
        switch site {
        case .declaration:
            "the value of '\(shown(nameRange))' in the XML declaration must be in quotes"
        case .attribute(let element, _):
            "the value of attribute '\(shown(nameRange))' of <\(shown(element))> must be in quotes, found "
                + describeCharacter(at: position)
        }
    }
}
