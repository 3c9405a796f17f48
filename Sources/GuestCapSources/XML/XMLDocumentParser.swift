/// A small XML 1.0 parser for untrusted documents such as libvirt domain files.
///
/// It accepts well-formed UTF-8 documents without a DTD and builds an ``XMLElement`` tree.
/// DOCTYPE declarations are refused outright, so no entity can be defined and expansion
/// attacks (billion laughs, external entities) have nothing to work with. Only the five
/// predefined entities and numeric character references are decoded. Parsing takes time
/// linear in the input, uses an explicit stack instead of recursion, and stops at the
/// bounds in ``XMLLimits``. Namespaces are not resolved: names are kept as written.
public enum XMLDocumentParser {
    /// Parses a whole document and returns its root element.
    ///
    /// - Parameters:
    ///   - bytes: The document as read from disk; a UTF-8 byte order mark is allowed.
    ///   - limits: Bounds on size, depth and counts.
    ///   - selection: Which elements to build; the whole document is checked either way and
    ///     refused with the same error whatever is selected.
    /// - Returns: The root element with the subtree `selection` keeps.
    /// - Throws: ``XMLParseError`` saying what is wrong and on which line, when the document
    ///   is not well-formed UTF-8 XML, has a DOCTYPE or unknown entity, or exceeds `limits`.
    public static func parse(
        _ bytes: [UInt8],
        limits: XMLLimits = XMLLimits(),
        keeping selection: XMLElementSelection = .everything
    ) throws(XMLParseError) -> XMLElement {
        guard bytes.count <= limits.maxBytes else {
            throw XMLParseError(
                kind: .tooLarge,
                line: 1,
                reason: "the document is \(bytes.count) bytes, more than the limit of \(limits.maxBytes) bytes"
            )
        }
        return try bytes.withUnsafeBufferPointer { (buffer) throws(XMLParseError) -> XMLElement in
            var scanner = Scanner(bytes: buffer, limits: limits, selection: selection)
            return try scanner.parseDocument()
        }
    }
}
