/// A piece of an HTML page. The literal text of an `HTML` string is markup; every value
/// interpolated into it is escaped, unless it is `HTML` itself or named with `raw:`:
///
/// ```swift
/// let row: HTML = "<td class=\"msg\">\(finding.message)</td>"   // the message escaped
/// let page: HTML = "<style>\(raw: css)</style>\(row)"             // css and row as they are
/// ```
///
/// So a host, guest or file name can only ever be text on the page, never markup.
public struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation {
    /// The markup.
    public private(set) var text: String

    /// `text` as markup, unchanged: only for what guestcap writes itself, such as the style sheet.
    public init(raw text: String) { self.text = text }

    /// `text` escaped for element content and quoted attributes.
    public init(escaping text: String) {
        self.text = ""
        Self.escape(text, into: &self.text)
    }

    public init(stringLiteral markup: String) { text = markup }

    public init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }

    /// Builds an `HTML` value: literal segments as markup, interpolated values escaped.
    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        public mutating func appendLiteral(_ markup: String) { text += markup }

        /// A value as text: escaped.
        public mutating func appendInterpolation(_ value: some CustomStringConvertible) {
            HTML.escape(value.description, into: &text)
        }

        /// Markup built elsewhere: as it is.
        public mutating func appendInterpolation(_ html: HTML) { text += html.text }

        /// Markup given as a string: as it is. Name it only for text guestcap wrote itself.
        public mutating func appendInterpolation(raw markup: String) { text += markup }
    }

    /// Appends `s` to `out` with `& < > " '` replaced by their entities.
    static func escape(_ s: String, into out: inout String) {
        // Most values (numbers, bit names, dates) need nothing replaced: copy them whole.
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
            out += s
            return
        }
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
    }
}

extension Sequence where Element == HTML {
    /// The pieces one after the other.
    public func joined() -> HTML { HTML(raw: map(\.text).joined()) }
}
