/// One word of a shell command line and the line it starts on.
struct ShellWord: Sendable, Equatable {
    /// The word after quote removal.
    let text: String
    /// 1-based line where the word begins.
    let line: Int
}

/// Splits a command line the way a POSIX shell does, without expanding anything: enough for
/// what `virsh domxml-to-native qemu-argv` prints (quotes, backslash-newline continuations).
enum ShellWords {
    /// The words of `text`.
    /// - Throws: ``GuestConfigError/malformed(_:line:)`` for a quote that is never closed.
    static func split(_ text: String) throws(GuestConfigError) -> [ShellWord] {
        let b = Array(text.utf8)
        var words: [ShellWord] = []
        var current: [UInt8] = []
        var inWord = false
        var wordLine = 1
        var line = 1
        var i = 0

        func finish() {
            if inWord { words.append(ShellWord(text: String(decoding: current, as: UTF8.self), line: wordLine)) }
            current.removeAll(keepingCapacity: true)
            inWord = false
        }
        func start() {
            if !inWord {
                inWord = true
                wordLine = line
            }
        }

        while i < b.count {
            let c = b[i]
            switch c {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                finish()
                i += 1
            case UInt8(ascii: "\n"):
                // A bare newline ends the word; one command line per file, so it also just separates.
                finish()
                line += 1
                i += 1
            case UInt8(ascii: "#") where !inWord:
                while i < b.count && b[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "\\"):
                if i + 1 < b.count {
                    if b[i + 1] == UInt8(ascii: "\n") {
                        line += 1
                    } else {
                        start()
                        current.append(b[i + 1])
                    }
                }
                i += 2
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                // Both quotes keep newlines and spaces; only inside double quotes does a backslash
                // escape `"`, `\\`, `$`, a backquote or a newline.
                let double = c == UInt8(ascii: "\"")
                start()
                let opened = line
                i += 1
                while i < b.count && b[i] != c {
                    if double, b[i] == UInt8(ascii: "\\"), i + 1 < b.count {
                        let n = b[i + 1]
                        if n == UInt8(ascii: "\n") {
                            line += 1
                            i += 2
                            continue
                        }
                        if n == UInt8(ascii: "\"") || n == UInt8(ascii: "\\") || n == UInt8(ascii: "$")
                            || n == UInt8(ascii: "`")
                        {
                            current.append(n)
                            i += 2
                            continue
                        }
                    }
                    if b[i] == UInt8(ascii: "\n") { line += 1 }
                    current.append(b[i])
                    i += 1
                }
                if i >= b.count {
                    let kind = double ? "double" : "single"
                    throw .malformed("unbalanced \(kind) quote: the quote opened here is never closed", line: opened)
                }
                i += 1
            default:
                start()
                current.append(c)
                i += 1
            }
        }
        finish()
        return words
    }
}
