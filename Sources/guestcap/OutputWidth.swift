import ArgumentParser
import Foundation
import Glibc
import GuestCapCore

/// How wide text output may be: the terminal's width when standard output is one, else 100
/// columns; `--wide` keeps every line whole (as `--format json` has the values).
struct OutputWidth: ParsableArguments {
    @Flag(help: "Do not fit text to the terminal (100 columns when not a terminal): print whole lines.")
    var wide = false

    /// The columns to fit, or nil for whole lines.
    var columns: Int? {
        if wide { return nil }
        if isatty(STDOUT_FILENO) == 1 {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 40 { return Int(size.ws_col) }
        }
        return TextWrap.defaultWidth
    }

    /// `text` fitted to the width.
    func fit(_ text: String) -> String { TextWrap.wrap(text, width: columns) }
}
