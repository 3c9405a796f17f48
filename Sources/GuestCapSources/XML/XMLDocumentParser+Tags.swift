extension XMLDocumentParser.Scanner {
    /// Reads a start tag or empty-element tag at `<`.
    mutating func parseStartTag() throws(XMLParseError) {
        let tagStart = position
        let line = self.line
        position += 1
        guard let nameRange = scanName() else { throw expected("an element name after '<'") }
        if open.isEmpty, let root {
            throw failure(
                .malformed, at: tagStart,
                "only one root element is allowed, but <\(shown(nameRange))> follows the root element "
                    + "<\(root.name)>"
            )
        }
        elementCount += 1
        guard elementCount <= limits.maxElements else {
            throw failure(
                .tooManyElements, at: tagStart, "the document has more than \(limits.maxElements) elements"
            )
        }
        guard open.count < limits.effectiveMaxDepth else {
            throw failure(
                .tooDeep, at: tagStart,
                "<\(shown(nameRange))> is nested more than \(limits.effectiveMaxDepth) elements deep"
            )
        }
        let keep = selection.child(of: open.last?.keep ?? selection.top, named: bytes.slice(nameRange))
        let kept = keep != .skipped
        if !kept { skippedAttributeNames.removeAll(keepingCapacity: true) }
        while true {
            let sawSpace = skipWhitespace()
            guard position < bytes.count else {
                throw unexpectedEnd(inside: "the start tag of <\(shown(nameRange))> on line \(line)")
            }
            switch bytes[position] {
            case UInt8(ascii: ">"):
                position += 1
                openElement(nameRange: nameRange, attributes: takeAttributes(), line: line, keep: keep)
                return
            case UInt8(ascii: "/"):
                position += 1
                guard position < bytes.count else {
                    throw unexpectedEnd(inside: "the start tag of <\(shown(nameRange))> on line \(line)")
                }
                guard bytes[position] == UInt8(ascii: ">") else {
                    throw failure(
                        .malformed, at: position,
                        "expected '>' after '/' in the start tag of <\(shown(nameRange))>, found "
                            + describeCharacter(at: position)
                    )
                }
                position += 1
                if kept {
                    attach(XMLElement(name: bytes.string(nameRange), attributes: takeAttributes(), line: line))
                }
                return
            default:
                guard sawSpace else {
                    throw failure(
                        .malformed, at: position,
                        "expected whitespace, '>' or '/>' in the start tag of <\(shown(nameRange))>, found "
                            + describeCharacter(at: position)
                    )
                }
                try parseAttribute(of: nameRange, tagLine: line, kept: kept)
            }
        }
    }

    /// The attributes read for the current tag, in an exactly sized array; the scratch array
    /// keeps its capacity for the next tag.
    private mutating func takeAttributes() -> [XMLAttribute] {
        guard !attributeScratch.isEmpty else { return [] }
        let attributes = Array(attributeScratch)
        attributeScratch.removeAll(keepingCapacity: true)
        return attributes
    }

    /// Reads `name = "value"` and adds it to `attributeScratch`; `element` is the tag's name.
    /// When the element is not `kept`, the attribute is checked the same way but not built.
    private mutating func parseAttribute(of element: Range<Int>, tagLine: Int, kept: Bool) throws(XMLParseError) {
        guard let nameRange = scanName() else {
            throw expected("an attribute name, '>' or '/>' in the start tag of <\(shown(element))>")
        }
        let quote = try openQuotedValue(after: nameRange, in: .attribute(element: element, line: tagLine))
        let valueStart = position
        // One pass to the closing quote, counting lines and noting whether the value needs decoding.
        let special: UInt64 = 1 << 0x3C | 1 << 0x26 | 1 << 0x09 | 1 << 0x0A | 1 << 0x0D
        let stops = special | 1 << UInt64(quote)
        var plain = true
        var index = valueStart
        let end = bytes.count
        while index < end {
            let byte = bytes[index]
            if byte < 64, stops >> UInt64(byte) & 1 != 0 {
                if byte == quote { break }
                if byte == UInt8(ascii: "<") {
                    throw failure(
                        .malformed, at: index,
                        "'<' is not allowed in the value of attribute '\(shown(nameRange))' of "
                            + "<\(shown(element))>; write it as &lt;"
                    )
                }
                if endsLine(at: index) { line += 1 }
                plain = false
            }
            index += 1
        }
        guard index < end else {
            throw unexpectedEnd(
                inside: "the value of attribute '\(shown(nameRange))' of <\(shown(element))> on line \(tagLine)"
            )
        }
        position = index + 1
        let valueRange = valueStart..<index
        guard kept else {
            try checkSkippedAttribute(name: nameRange, value: valueRange, plain: plain, of: element)
            return
        }
        guard attributeScratch.count < limits.maxAttributesPerElement else {
            throw failure(
                .tooManyAttributes, at: valueStart,
                "<\(shown(element))> has more than \(limits.maxAttributesPerElement) attributes"
            )
        }
        let name = bytes.string(nameRange)
        if isDuplicate(name) {
            throw failure(
                .duplicateAttribute, at: nameRange.lowerBound,
                "the attribute '\(name)' appears more than once on <\(shown(element))>"
            )
        }
        let value = plain ? bytes.string(valueRange) : try decodeAttributeValue(valueRange)
        attributeScratch.append(XMLAttribute(name: name, value: value))
    }

    /// The checks `parseAttribute` makes after the value, in the same order, for an attribute
    /// of an element that is not built: names compared as bytes, the value decoded into nothing.
    private mutating func checkSkippedAttribute(
        name nameRange: Range<Int>, value valueRange: Range<Int>, plain: Bool, of element: Range<Int>
    ) throws(XMLParseError) {
        guard skippedAttributeNames.count < limits.maxAttributesPerElement else {
            throw failure(
                .tooManyAttributes, at: valueRange.lowerBound,
                "<\(shown(element))> has more than \(limits.maxAttributesPerElement) attributes"
            )
        }
        if isDuplicateSkipped(nameRange) {
            throw failure(
                .duplicateAttribute, at: nameRange.lowerBound,
                "the attribute '\(bytes.string(nameRange))' appears more than once on <\(shown(element))>"
            )
        }
        if !plain { try checkAttributeValue(valueRange) }
    }

    /// `isDuplicate` for an element that is not built, without making strings for ASCII names.
    ///
    /// Names are compared as `String`s are (canonical equivalence), so a non-ASCII name falls
    /// back to strings; ASCII names are equal exactly when their bytes are.
    private mutating func isDuplicateSkipped(_ nameRange: Range<Int>) -> Bool {
        let linearLimit = 16
        let count = skippedAttributeNames.count
        if count < linearLimit {
            var ascii = true
            for index in nameRange where bytes[index] >= 0x80 {
                ascii = false
                break
            }
            for earlier in skippedAttributeNames {
                if bytes.sameBytes(earlier.range, nameRange) { return true }
                if !(ascii && earlier.ascii), bytes.string(earlier.range) == bytes.string(nameRange) { return true }
            }
            skippedAttributeNames.append((nameRange, ascii))
            return false
        }
        if count == linearLimit {
            attributeNames.removeAll(keepingCapacity: true)
            for earlier in skippedAttributeNames {
                attributeNames.insert(bytes.string(earlier.range))
            }
        }
        skippedAttributeNames.append((nameRange, true))
        return !attributeNames.insert(bytes.string(nameRange)).inserted
    }

    /// Whether the element being read already has `name`; a set takes over from a linear
    /// scan once there are many attributes, so a hostile tag cannot make this quadratic.
    private mutating func isDuplicate(_ name: String) -> Bool {
        let linearLimit = 16
        if attributeScratch.count < linearLimit {
            for attribute in attributeScratch where attribute.name == name {
                return true
            }
            return false
        }
        if attributeScratch.count == linearLimit {
            attributeNames.removeAll(keepingCapacity: true)
            for attribute in attributeScratch {
                attributeNames.insert(attribute.name)
            }
        }
        return !attributeNames.insert(name).inserted
    }

    /// Reads an end tag at `</` and closes the innermost element.
    mutating func parseEndTag() throws(XMLParseError) {
        let tagStart = position
        position += 2
        guard let nameRange = scanName() else { throw expected("an element name after '</'") }
        _ = skipWhitespace()
        try require(
            UInt8(ascii: ">"), inside: "the end tag </\(shown(nameRange))>",
            otherwise: "expected '>' in the end tag </\(shown(nameRange))>, found \(describeCharacter(at: position))")
        position += 1
        guard let innermost = open.last else {
            throw failure(
                .malformed, at: tagStart,
                root == nil
                    ? "the end tag </\(shown(nameRange))> has no start tag"
                    : "the end tag </\(shown(nameRange))> follows the end of the root element <\(root?.name ?? "")>"
            )
        }
        guard bytes.sameBytes(nameRange, innermost.nameRange) else {
            throw failure(
                .malformed, at: tagStart,
                "the end tag </\(shown(nameRange))> does not match the start tag <\(bytes.string(innermost.nameRange))> "
                    + "opened on line \(innermost.line)"
            )
        }
        closeElement()
    }
}
