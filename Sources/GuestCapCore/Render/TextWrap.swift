/// Fits text output to a terminal's width: long lines are wrapped at spaces, their
/// continuation indented under the line's own indentation, so `--wide` and JSON keep the
/// full lines and a 100-column terminal shows everything without horizontal scrolling.
public enum TextWrap {
    /// The width used when standard output is not a terminal.
    public static let defaultWidth = 100

    /// Every line of `text` wrapped to `width` columns (nil: unchanged). A word longer than the
    /// width (a path) stays whole on a line of its own.
    public static func wrap(_ text: String, width: Int?, continuation: Int = 4) -> String {
        guard let width else { return text }
        // Split on the byte LF (never part of a longer UTF-8 sequence): far cheaper than by
        // Character on a report of thousands of guests.
        var out = ""
        out.reserveCapacity(text.utf8.count + text.utf8.count / 8)
        var first = true
        for line in text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if !first { out += "\n" }
            first = false
            out += wrapLine(String(decoding: line, as: UTF8.self), width: width, continuation: continuation)
        }
        return out
    }

    /// One line wrapped; continuation lines are indented by the line's indentation plus
    /// `continuation` (at most half the width), or by exactly `hanging` columns.
    public static func wrapLine(_ line: String, width: Int, continuation: Int = 4, hanging: Int? = nil) -> String {
        // A line of no more bytes than columns has no more characters either.
        guard line.utf8.count > width, line.count > width else { return line }
        // Worked on as UTF-8: a space is one byte and never inside a longer sequence.
        let bytes = line.utf8
        let lead = bytes.prefix { $0 == 0x20 }.count
        let indent = hanging ?? min(lead + continuation, width / 2)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 4)
        out.append(contentsOf: repeatElement(0x20, count: lead))
        var currentWidth = lead
        // The width a line has before its first word.
        var startWidth = lead
        for word in bytes.dropFirst(lead).split(separator: 0x20, omittingEmptySubsequences: false) {
            let wordWidth = word.allSatisfy { $0 < 0x80 } ? word.count : String(decoding: word, as: UTF8.self).count
            let atStart = currentWidth == startWidth
            if !atStart && currentWidth + 1 + wordWidth > width {
                out.append(0x0A)
                out.append(contentsOf: repeatElement(0x20, count: indent))
                currentWidth = indent
                startWidth = indent
            } else if !atStart {
                out.append(0x20)
                currentWidth += 1
            }
            out.append(contentsOf: word)
            currentWidth += wordWidth
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` cut to `width` characters, the cut marked with "…" (nothing cut: unchanged).
    public static func abbreviate(_ text: String, to width: Int) -> String {
        guard text.count > width, width > 1 else { return text }
        return String(text.prefix(width - 1)) + "…"
    }
}
