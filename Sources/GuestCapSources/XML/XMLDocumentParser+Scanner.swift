extension XMLDocumentParser {
    /// The state of one parse: a cursor over the document's bytes and the stack of open elements.
    ///
    /// Not `Sendable` on purpose: it holds a pointer that is valid only inside `parse`.
    struct Scanner {
        /// An element whose start tag has been read and whose end tag has not.
        struct OpenElement {
            let nameRange: Range<Int>
            let attributes: [XMLAttribute]
            let line: Int
            /// Whether it is built, and which of its children are.
            let keep: XMLElementSelection.Keep
            /// Where this element's finished children begin in `finished`.
            let firstChild: Int
            /// Where this element's character data begins in `text`.
            let firstTextByte: Int
        }

        let bytes: XMLDocumentParser.Input
        let limits: XMLLimits
        let selection: XMLElementSelection
        var position = 0
        /// The line of `position`, kept current as the scanner moves, so a start tag's line
        /// costs nothing; error paths recount from the start instead.
        var line = 1
        var root: XMLElement?
        var open: [OpenElement] = []
        /// Completed elements waiting for their parent's end tag, innermost parent's last, so
        /// each parent gets its children in one exactly sized array.
        var finished: [XMLElement] = []
        /// Character data of the open elements, innermost last; a child's text is always
        /// taken off before its parent's text grows again.
        var text: [UInt8] = []
        /// The attributes of the tag being read; copied out exactly sized, so the capacity is reused.
        var attributeScratch: [XMLAttribute] = []
        /// The names on the tag being read, kept only once it has many attributes.
        var attributeNames: Set<String> = []
        /// The names of the attributes read so far on a tag that is not built, and whether
        /// each is ASCII; the capacity is reused.
        var skippedAttributeNames: [(range: Range<Int>, ascii: Bool)] = []
        /// Room for decoding attribute values that hold references or line breaks.
        var valueScratch: [UInt8] = []
        var elementCount = 0

        init(bytes: UnsafeBufferPointer<UInt8>, limits: XMLLimits, selection: XMLElementSelection) {
            self.bytes = XMLDocumentParser.Input(buffer: bytes)
            self.limits = limits
            self.selection = selection
        }

        /// Parses the document and returns its root element.
        mutating func parseDocument() throws(XMLParseError) -> XMLElement {
            let bodyStart = try contentStart()
            position = bodyStart
            try validateCharacters(from: bodyStart)
            try skipXMLDeclaration()
            let end = bytes.count
            while position < end {
                if bytes[position] == UInt8(ascii: "<") {
                    try parseMarkup()
                } else {
                    try parseCharacterData()
                }
            }
            if let innermost = open.last {
                throw failure(
                    .truncated, at: end,
                    "the document ends before <\(bytes.string(innermost.nameRange))> (opened on line "
                        + "\(innermost.line)) is closed"
                )
            }
            guard let root else {
                let blank = bytes.slice(bodyStart..<end).allSatisfy(Self.isWhitespace)
                throw failure(
                    .empty, at: 0,
                    blank ? "the document is empty or only whitespace" : "the document has no root element"
                )
            }
            return root
        }

        /// Dispatches on the byte after `<`.
        mutating func parseMarkup() throws(XMLParseError) {
            let next = position + 1
            guard next < bytes.count else { throw unexpectedEnd(inside: "a tag") }
            switch bytes[next] {
            case UInt8(ascii: "/"): try parseEndTag()
            case UInt8(ascii: "?"): try skipProcessingInstruction()
            case UInt8(ascii: "!"): try parseExclamationMarkup()
            default: try parseStartTag()
            }
        }

        // MARK: Tree building

        /// Pushes an element whose start tag ended with `>`.
        mutating func openElement(
            nameRange: Range<Int>, attributes: [XMLAttribute], line: Int, keep: XMLElementSelection.Keep
        ) {
            open.append(
                OpenElement(
                    nameRange: nameRange, attributes: attributes, line: line, keep: keep,
                    firstChild: finished.count, firstTextByte: text.count
                )
            )
        }

        /// Whether the innermost open element is built into the tree; text outside the root is not.
        var keepsContent: Bool {
            guard let innermost = open.last else { return false }
            return innermost.keep != .skipped
        }

        /// Pops the innermost open element and hands it to its parent, or makes it the root;
        /// an element that is not built is only popped.
        mutating func closeElement() {
            guard let element = open.popLast(), element.keep != .skipped else { return }
            let children = Self.takeLast(finished.count - element.firstChild, from: &finished)
            var content = ""
            if element.firstTextByte < text.count {
                content = text.withUnsafeBufferPointer {
                    String(decoding: UnsafeBufferPointer(rebasing: $0[element.firstTextByte...]), as: UTF8.self)
                }
                text.removeLast(text.count - element.firstTextByte)
            }
            attach(
                XMLElement(
                    name: bytes.string(element.nameRange), attributes: element.attributes, children: children,
                    text: content, line: element.line
                )
            )
        }

        /// Adds a completed element to its parent's children, or makes it the root.
        mutating func attach(_ element: consuming XMLElement) {
            if open.isEmpty {
                root = element
            } else {
                finished.append(element)
            }
        }

        /// Moves the last `count` elements of `stack` into a new, exactly sized array, in order.
        ///
        /// Moving rather than copying saves a retain and a release for every string and array
        /// the elements hold.
        static func takeLast<Element>(_ count: Int, from stack: inout [Element]) -> [Element] {
            guard count > 0, count <= stack.count else { return [] }
            // Reverse the tail in place, then pop: each pop moves one element out in order.
            var low = stack.count - count
            var high = stack.count - 1
            while low < high {
                stack.swapAt(low, high)
                low += 1
                high -= 1
            }
            var taken: [Element] = []
            taken.reserveCapacity(count)
            for _ in 0..<count {
                guard let element = stack.popLast() else { break }
                taken.append(element)
            }
            return taken
        }

        // MARK: Lines and errors

        /// The 1-based line of `offset`, counted from the start: only error paths need it.
        func line(at offset: Int) -> Int {
            1 + bytes.lineBreaks(from: 0, to: min(offset, bytes.count))
        }

        /// An error of `kind` on the line of `offset`.
        func failure(_ kind: XMLParseError.Kind, at offset: Int, _ reason: String) -> XMLParseError {
            XMLParseError(kind: kind, line: line(at: offset), reason: reason)
        }

        /// Checks that `byte` is at the current position (the caller steps over it): the input
        /// ending before it is `.truncated` (inside `what`), any other byte is `.malformed` with
        /// `message`. Both texts are built only on failure.
        func require(
            _ byte: UInt8, inside what: @autoclosure () -> String, otherwise message: @autoclosure () -> String
        ) throws(XMLParseError) {
            guard position < bytes.count else { throw unexpectedEnd(inside: what()) }
            guard bytes[position] == byte else { throw failure(.malformed, at: position, message()) }
        }

        /// A `.truncated` error for input that stops inside `what`, naming the innermost open element.
        func unexpectedEnd(inside what: String) -> XMLParseError {
            var reason = "the document ends inside \(what)"
            if let innermost = open.last {
                reason += ", before <\(bytes.string(innermost.nameRange))> (opened on line \(innermost.line)) is closed"
            }
            return failure(.truncated, at: bytes.count, reason)
        }

        /// The bytes in `range` as text for a one-line message: shortened if long, with tabs
        /// and line breaks escaped.
        func shown(_ range: Range<Int>) -> String {
            let clipped = range.lowerBound..<min(range.upperBound, range.lowerBound + 256)
            var string = bytes.string(clipped)
            if string.count > 64 || clipped != range {
                string = String(string.prefix(64)) + "…"
            }
            guard string.utf8.contains(where: { $0 < 0x20 }) else { return string }
            return string.unicodeScalars.map { scalar in
                switch scalar {
                case "\n": "\\n"
                case "\r": "\\r"
                case "\t": "\\t"
                default: String(scalar)
                }
            }.joined()
        }

        /// The character at `offset` described for a message.
        func describeCharacter(at offset: Int) -> String {
            guard offset < bytes.count else { return "the end of the document" }
            switch bytes[offset] {
            case 0x20: return "a space"
            case 0x09: return "a tab"
            case 0x0A, 0x0D: return "a line break"
            case 0x21...0x7E: return "'\(Character(Unicode.Scalar(bytes[offset])))'"
            default:
                let (scalar, _) = bytes.scalar(at: offset)
                return "U+" + hex(scalar)
            }
        }

        /// `value` as upper-case hexadecimal, at least four digits.
        func hex(_ value: UInt32) -> String {
            let digits = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        }

        // MARK: Moving

        /// Whether `byte` is XML whitespace: space, tab, LF or CR.
        @inline(__always)
        static func isWhitespace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D
        }

        /// Whether the byte at `offset` ends a line: an LF, or a CR not followed by LF.
        @inline(__always)
        func endsLine(at offset: Int) -> Bool {
            let byte = bytes[offset]
            return byte == 0x0A || (byte == 0x0D && (offset + 1 == bytes.count || bytes[offset + 1] != 0x0A))
        }

        /// Moves past whitespace, counting lines; returns whether there was any.
        @inline(__always)
        mutating func skipWhitespace() -> Bool {
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                guard Self.isWhitespace(byte) else { break }
                if byte < 0x20, endsLine(at: position) { line += 1 }
                position += 1
            }
            return position != start
        }

        /// Moves to `offset`, counting the lines passed over.
        mutating func advance(to offset: Int) {
            line += bytes.lineBreaks(from: position, to: offset)
            position = offset
        }
    }
}
