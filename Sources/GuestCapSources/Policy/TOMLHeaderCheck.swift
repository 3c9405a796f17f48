/// Finds the one TOML syntax error that toml++ (inside TOMLKit) does not report but dies of.
///
/// toml++ 3 *asserts* that a table header's first character after `[` or `[[` (and spaces)
/// starts a key — a bare key character, a quote — or is the `]` it reports as an empty
/// key. Any other character (`` [[`ools]] ``, `[[[a]]]`, `[=]`) fails `assert()` and aborts
/// the whole process, in release builds too (SwiftPM builds TOMLKit's C++ without `NDEBUG`;
/// with it, it would be undefined behaviour instead). Found by fuzzing (fuzz-regressions).
/// Run this on every TOML text before TOMLKit sees it.
public enum TOMLHeaderCheck {
    /// The 1-based line of the first table header toml++ would abort on, or nil if there is none.
    ///
    /// A scan, not a parser: it follows strings, comments and brackets only well enough to tell a
    /// header (a `[` starting a line outside any value) from an array; on text that is already
    /// broken before that line it may name a later line than toml++ would, but toml++ stops at
    /// its first error, so a text this passes never reaches the assertion.
    public static func firstFatalHeaderLine(in text: String) -> Int? {
        let b = Array(text.utf8)
        var i = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var depth = 0  // open [ and { of values
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
                if depth == 0 { atLineStart = true }
                continue
            }
            if atLineStart {
                if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { i += 1; continue }
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
                        return line
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
                depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
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
