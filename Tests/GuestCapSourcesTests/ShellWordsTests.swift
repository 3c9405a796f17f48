import Testing
@testable import GuestCapSources

/// Quote removal as a POSIX shell does it: the two quote kinds differ only in what a backslash does.
@Suite("Shell words")
struct ShellWordsTests {
    private func words(_ text: String) throws -> [String] { try ShellWords.split(text).map(\.text) }

    private func failure(_ text: String) -> String? {
        do {
            _ = try ShellWords.split(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test("spaces and newlines stay inside either quote; adjacent quoted parts join one word")
    func quotesKeepSeparators() throws {
        #expect(try words(#"a 'b c' "d e" f'g'"h""#) == ["a", "b c", "d e", "fgh"])
        let split = try ShellWords.split("'one\ntwo' \"three\nfour\" five")
        #expect(split.map(\.text) == ["one\ntwo", "three\nfour", "five"])
        #expect(split.map(\.line) == [1, 2, 3], "a newline inside quotes still counts as a line")
    }

    @Test("a backslash is literal inside single quotes and escapes only \" \\ $ ` and newline inside double quotes")
    func backslashes() throws {
        #expect(try words(#"'a\"b\\c\$d'"#) == [#"a\"b\\c\$d"#])
        #expect(try words(#""a\"b\\c\$d\`e\xf""#) == [#"a"b\c$d`e\xf"#])
        let continued = try ShellWords.split("\"a\\\nb\" c")
        #expect(continued.map(\.text) == ["ab", "c"])
        #expect(continued.map(\.line) == [1, 2])
        #expect(try words("'a\\' b") == ["a\\", "b"], "a single-quoted backslash does not escape the closing quote")
    }

    @Test("an unclosed quote names its kind and the line it opened on")
    func unclosed() {
        #expect(failure("x\n'abc") == "line 2: unbalanced single quote: the quote opened here is never closed")
        #expect(failure("x \"a\nb") == "line 1: unbalanced double quote: the quote opened here is never closed")
        #expect(failure(#"x "a\""#) == "line 1: unbalanced double quote: the quote opened here is never closed")
        #expect(failure("x 'a\"'") == nil)
    }
}
