/// One attribute of an element, as written in the document.
public struct XMLAttribute: Sendable, Equatable {
    /// The qualified name as written, e.g. `type` or `xmlns:qemu`.
    public let name: String
    /// The value with references decoded and literal tabs and line breaks turned into spaces.
    public let value: String

    /// Creates an attribute.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An element of a parsed XML document: its name, attributes, child elements and text.
///
/// A plain value with no parent links, so a tree can be kept, copied and sent across tasks
/// after the bytes it came from are gone.
public struct XMLElement: Sendable {
    /// The qualified name as written, e.g. `domain` or `qemu:commandline`.
    public let name: String
    /// The attributes in document order.
    public let attributes: [XMLAttribute]
    /// The child elements in document order.
    public var children: [XMLElement]
    /// The character data directly inside this element (CDATA included, references decoded,
    /// line breaks normalised to LF), concatenated across children and not trimmed.
    public var text: String
    /// The 1-based line of the `<` that starts this element's start tag.
    public let line: Int

    /// Creates an element; the parser builds these, tests and callers may too.
    public init(
        name: String,
        attributes: [XMLAttribute] = [],
        children: [XMLElement] = [],
        text: String = "",
        line: Int = 1
    ) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
        self.line = line
    }

    /// The value of the attribute with this qualified name, or nil when it is absent.
    public func attribute(_ name: String) -> String? {
        for attribute in attributes where attribute.name == name {
            return attribute.value
        }
        return nil
    }

    /// The first child element with this qualified name, or nil when there is none.
    public func child(_ name: String) -> XMLElement? {
        for child in children where child.name == name {
            return child
        }
        return nil
    }

    /// All child elements with this qualified name, in document order.
    public func children(named name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }

    /// ``text`` without leading and trailing XML whitespace (space, tab, CR, LF).
    public var trimmedText: String {
        let scalars = text.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, Self.isXMLWhitespace(scalars[start]) {
            scalars.formIndex(after: &start)
        }
        while start < end {
            let last = scalars.index(before: end)
            guard Self.isXMLWhitespace(scalars[last]) else { break }
            end = last
        }
        if start == scalars.startIndex && end == scalars.endIndex { return text }
        return String(scalars[start..<end])
    }

    // XML whitespace is exactly these four; Unicode spaces such as U+00A0 are content.
    private static func isXMLWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r"
    }
}
