import Testing
@testable import GuestCapCore

/// `TextWrap` works on UTF-8 bytes for speed; these pin it to the same lines as wrapping by
/// Character, which it replaced, on text with wide and multi-byte characters, runs of spaces
/// and indentation.
@Suite("text wrapping")
struct TextWrapTests {
    /// Wrapping by Character: the reference.
    static func reference(_ line: String, width: Int, continuation: Int = 4, hanging: Int? = nil) -> String {
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

    /// A deterministic line of words drawn from ASCII, accented, CJK and symbol pieces.
    static func line(seed: Int) -> String {
        let pieces = [
            "a", "word", "0x000000000c0000eb", "—", "é", "naïve", "日本語", "/var/lib/guestcap", "[mds-no,", "x",
        ]
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ n: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(n))
        }
        var text = String(repeating: " ", count: next(6))
        for _ in 0..<(5 + next(40)) {
            text += pieces[next(pieces.count)]
            text += String(repeating: " ", count: next(8) == 0 ? 2 : 1)
        }
        return text
    }

    @Test("every line and width: the same lines as wrapping by Character")
    func sameAsByCharacter() {
        for seed in 0..<400 {
            let text = Self.line(seed: seed)
            for width in [1, 8, 20, 40, 60, 100] {
                #expect(TextWrap.wrapLine(text, width: width) == Self.reference(text, width: width), "\(seed) \(width)")
                #expect(
                    TextWrap.wrapLine(text, width: width, hanging: 3) == Self.reference(text, width: width, hanging: 3))
            }
        }
    }

    @Test("wrap: each line on its own, empty lines kept, nil width unchanged")
    func wrapText() {
        let lines = (0..<20).map { Self.line(seed: $0) } + ["", "", "short"]
        let text = lines.joined(separator: "\n")
        #expect(TextWrap.wrap(text, width: 40) == lines.map { Self.reference($0, width: 40) }.joined(separator: "\n"))
        #expect(TextWrap.wrap(text, width: nil) == text)
        #expect(TextWrap.wrap("", width: 40) == "")
        #expect(TextWrap.wrap("a\n", width: 40) == "a\n")
    }
}
