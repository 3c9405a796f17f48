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
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { wrapLine(String($0), width: width, continuation: continuation) }
            .joined(separator: "\n")
    }

    /// One line wrapped; continuation lines are indented by the line's indentation plus
    /// `continuation` (at most half the width), or by exactly `hanging` columns.
    public static func wrapLine(_ line: String, width: Int, continuation: Int = 4, hanging: Int? = nil) -> String {
        guard line.count > width else { return line }
        let lead = line.prefix { $0 == " " }
        let indent = String(repeating: " ", count: hanging ?? min(lead.count + continuation, width / 2))
        var out: [String] = []
        var current = String(lead)
        var currentWidth = lead.count
        for word in line.dropFirst(lead.count).split(separator: " ", omittingEmptySubsequences: false) {
            let atStart = current.count == (out.isEmpty ? lead.count : indent.count)
            if !atStart && currentWidth + 1 + word.count > width {
                out.append(current)
                current = indent + word
                currentWidth = indent.count + word.count
            } else {
                current += (atStart ? "" : " ") + word
                currentWidth += (atStart ? 0 : 1) + word.count
            }
        }
        out.append(current)
        return out.joined(separator: "\n")
    }

    /// `text` cut to `width` characters, the cut marked with "…" (nothing cut: unchanged).
    public static func abbreviate(_ text: String, to width: Int) -> String {
        guard text.count > width, width > 1 else { return text }
        return String(text.prefix(width - 1)) + "…"
    }
}
