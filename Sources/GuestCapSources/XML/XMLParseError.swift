/// Why a document was refused, and on which line.
public struct XMLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of problem, for callers that react differently to each.
    public enum Kind: Sendable, Equatable {
        /// The document is larger than ``XMLLimits/maxBytes``.
        case tooLarge
        /// The bytes are not UTF-8: invalid sequences, UTF-16/UTF-32, or another declared encoding.
        case notUTF8
        /// A DOCTYPE or other DTD markup declaration; refused so no entity can be defined.
        case doctype
        /// A reference to an undefined entity, or a character reference to a non-XML character.
        case entity
        /// Elements nest deeper than ``XMLLimits/maxDepth``.
        case tooDeep
        /// The document has more elements than ``XMLLimits/maxElements``.
        case tooManyElements
        /// An element has more attributes than ``XMLLimits/maxAttributesPerElement``.
        case tooManyAttributes
        /// The document breaks an XML well-formedness rule.
        case malformed
        /// The document ends inside markup or before every element is closed.
        case truncated
        /// The document has no root element (no bytes, or only whitespace and comments).
        case empty
        /// One element carries the same attribute twice.
        case duplicateAttribute
    }

    /// The class of problem.
    public let kind: Kind
    /// The 1-based line where the problem was found.
    public let line: Int
    /// A sentence saying what is wrong, naming the tags or references involved.
    public let reason: String

    init(kind: Kind, line: Int, reason: String) {
        self.kind = kind
        self.line = line
        self.reason = reason
    }

    /// The line and the reason, e.g. `line 3: a DOCTYPE declaration is not allowed (…)`.
    public var description: String { "line \(line): \(reason)" }
}
