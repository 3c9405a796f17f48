/// Finds the TOML syntax errors that toml++ (inside TOMLKit) does not report but dies of.
///
/// toml++ 3 checks some of its expectations with `assert()`, which aborts the whole process —
/// in release builds too (SwiftPM builds TOMLKit's C++ without `NDEBUG`; with it, it would be
/// undefined behaviour instead). Fuzzing found two that a malformed text reaches
/// (fuzz-regressions):
///
/// * a table header whose first character after `[` or `[[` (and spaces) does not start a
///   key — a bare key character, a quote — nor is the `]` it reports as an empty key:
///   `` [[`ools]] ``, `[[[a]]]`, `[=]`;
/// * a `}` inside an array: `members = ["a", }` (never valid TOML).
///
/// Run this on every TOML text before TOMLKit sees it.
public enum TOMLPrecheck {
    /// A construct toml++ would abort on, as the syntax error it is.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The 1-based line.
        public let line: Int
        /// What is wrong, as a sentence starting "TOML syntax:".
        public let message: String

        public var description: String { "line \(line): \(message)" }
    }

    static let badHeader =
        "TOML syntax: a table header must start with a key (A-Z a-z 0-9 _ - or a quoted key) "
        + "after its '[' or '[['"
    static let braceInArray = "TOML syntax: '}' inside an array; an array ends with ']'"

    /// The first construct toml++ would abort on, or nil if there is none.
    ///
    /// A scan, not a parser: it follows strings, comments and brackets only well enough to tell a
    /// header (a `[` starting a line outside any value) from an array; on text that is already
    /// broken before that line it may name a later line than toml++ would, but toml++ stops at
    /// its first error, so a text this passes never reaches the assertion.
    public static func firstFatalProblem(in text: String) -> Problem? {
        let b = Array(text.utf8)
        var i = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var open: [UInt8] = []  // the [ and { of values still open, innermost last
        var atLineStart = true

        func skipSpaces(from start: Int) -> Int {
            var j = start
            while j < b.count, b[j] == UInt8(ascii: " ") || b[j] == UInt8(ascii: "\t") { j += 1 }
            return j
        }

        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\n") {
                line += 1
                i += 1
                if open.isEmpty { atLineStart = true }
                continue
            }
            if atLineStart {
                if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                    i += 1
                    continue
                }
                atLineStart = false
                if c == UInt8(ascii: "[") {
                    // A header: what toml++ looks at is after "[", spaces, an optional "[" right
                    // after the first (with spaces before it toml++ reports the error itself), spaces.
                    var j = skipSpaces(from: i + 1)
                    var reportedByTOMLKit = false
                    if j < b.count, b[j] == UInt8(ascii: "[") {
                        reportedByTOMLKit = j != i + 1  // "[ [": toml++ says the brackets must touch
                        j = skipSpaces(from: j + 1)
                    }
                    if !reportedByTOMLKit, j < b.count, !startsKey(b[j]), b[j] != UInt8(ascii: "]") {
                        return Problem(line: line, message: badHeader)
                    }
                    while i < b.count, b[i] != UInt8(ascii: "\n") { i += 1 }  // a header is one line
                    continue
                }
            }
            switch c {
            case UInt8(ascii: "#"):
                while i < b.count, b[i] != UInt8(ascii: "\n") { i += 1 }
                continue
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                i = endOfString(b, at: i, line: &line)
                continue
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                open.append(c)
            case UInt8(ascii: "}"):
                if open.last == UInt8(ascii: "[") { return Problem(line: line, message: braceInArray) }
                _ = open.popLast()
            case UInt8(ascii: "]"):
                _ = open.popLast()
            default:
                break
            }
            i += 1
        }
        return nil
    }

    /// `A-Z a-z 0-9 _ -` or a quote: what toml++ accepts as the start of a key.
    private static func startsKey(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
            UInt8(ascii: "\""), UInt8(ascii: "'"):
            true
        default:
            false
        }
    }

    /// The index after the string starting at `start` (its closing quote, or the line end or text
    /// end where an unterminated one stops); counts the lines a multi-line string spans.
    private static func endOfString(_ b: [UInt8], at start: Int, line: inout Int) -> Int {
        let quote = b[start]
        let basic = quote == UInt8(ascii: "\"")
        let triple = start + 2 < b.count && b[start + 1] == quote && b[start + 2] == quote
        var i = start + (triple ? 3 : 1)
        while i < b.count {
            let c = b[i]
            if basic && c == UInt8(ascii: "\\") {
                if i + 1 < b.count, b[i + 1] == UInt8(ascii: "\n") { line += 1 }
                i += 2
                continue
            }
            if c == UInt8(ascii: "\n") {
                guard triple else { return i }  // unterminated: toml++ reports it
                line += 1
            }
            if c == quote {
                if !triple { return i + 1 }
                if i + 2 < b.count, b[i + 1] == quote, b[i + 2] == quote {
                    // Up to two more quotes may close a multi-line string ("""a"""" is a"), as in TOML.
                    var end = i + 3
                    while end < b.count, end < i + 5, b[end] == quote { end += 1 }
                    return end
                }
            }
            i += 1
        }
        return i
    }
}
