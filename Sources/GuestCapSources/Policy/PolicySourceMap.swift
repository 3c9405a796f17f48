/// The line of every key and table header of a TOML document.
///
/// TOMLKit reports positions for syntax errors only, so semantic errors find their line here.
/// This is a locator, not a parser: it runs only on text TOMLKit has already accepted, and it
/// looks at line starts (`key =`, `[table]`, `[[array]]`), skipping comments and multi-line strings.
/// A key it cannot place (one inside an inline table, say) gets the line of its nearest parent.
struct PolicySourceMap: Sendable {
    /// Source lines, for finding an array element's line.
    private let lines: [Substring]
    /// Path (``PolicyKeyPath/mapKey``) → 1-based line where it is first defined.
    private var lineOf: [String: Int] = [:]
    /// Lines that start a key or a header, ascending: a value ends before the next one.
    private var entryLines: [Int] = []

    /// Indexes a document.
    init(text: String) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var table: [PolicyKeyPath.Component] = []
        var arrayCounts: [String: Int] = [:]
        var openString: String?  // the delimiter of a multi-line string we are inside
        for (i, raw) in lines.enumerated() {
            let number = i + 1
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if let delimiter = openString {
                if line.contains(delimiter) { openString = nil }
                continue
            }
            if line.hasPrefix("[[") {
                guard let keys = Self.header(line.dropFirst(2), closing: "]]") else { continue }
                let base = keys.map(PolicyKeyPath.Component.key)
                let name = PolicyKeyPath(base).mapKey
                let index = arrayCounts[name, default: 0]
                arrayCounts[name] = index + 1
                table = base + [.index(index)]
                record(PolicyKeyPath(base), number)
                record(PolicyKeyPath(table), number)
            } else if line.hasPrefix("[") {
                guard let keys = Self.header(line.dropFirst(), closing: "]") else { continue }
                table = Self.resolve(keys, arrayCounts: arrayCounts)
                record(PolicyKeyPath(table), number)
            } else if let (keys, rest) = Self.keyAssignment(line) {
                var path = table
                for k in keys {
                    path.append(.key(k))
                    record(PolicyKeyPath(path), number)
                }
                for delimiter in ["\"\"\"", "'''"] where rest.occurrences(of: delimiter) % 2 == 1 {
                    openString = delimiter
                }
            }
        }
    }

    /// The line where a key is defined, or of its nearest recorded parent; 1 if nothing matches.
    func line(of path: PolicyKeyPath) -> Int {
        var components = path.components
        while !components.isEmpty {
            if let line = lineOf[PolicyKeyPath(components).mapKey] { return line }
            components.removeLast()
        }
        return 1
    }

    /// The line of one element of an array value: the first line of the value's span that
    /// holds the element as a quoted string; the key's line if none does.
    func line(of path: PolicyKeyPath, element: String) -> Int {
        let start = line(of: path)
        let end = entryLines.first { $0 > start } ?? lines.count + 1
        let quoted = ["\"\(element)\"", "'\(element)'"]
        for number in start..<end where number - 1 < lines.count {
            let text = Self.stripComment(lines[number - 1])
            if quoted.contains(where: text.contains) { return number }
        }
        return start
    }

    // MARK: - Building

    private mutating func record(_ path: PolicyKeyPath, _ line: Int) {
        if lineOf[path.mapKey] == nil { lineOf[path.mapKey] = line }
        if entryLines.last != line { entryLines.append(line) }
    }

    /// A `[a.b]` header inside `[[a]]` elements refers to the latest element of each array.
    private static func resolve(_ keys: [String], arrayCounts: [String: Int]) -> [PolicyKeyPath.Component] {
        var out: [PolicyKeyPath.Component] = []
        var plain: [PolicyKeyPath.Component] = []
        for k in keys {
            out.append(.key(k))
            plain.append(.key(k))
            if let n = arrayCounts[PolicyKeyPath(plain).mapKey] { out.append(.index(n - 1)) }
        }
        return out
    }

    /// The keys of a header whose opening bracket(s) are already consumed.
    private static func header(_ text: Substring, closing: String) -> [String]? {
        guard let (keys, rest) = dottedKey(text) else { return nil }
        let after = rest.drop { $0 == " " || $0 == "\t" }
        guard after.hasPrefix(closing) else { return nil }
        let tail = stripComment(after.dropFirst(closing.count)).drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        return tail.isEmpty ? keys : nil
    }

    /// `a.b = …` → (["a", "b"], "…").
    private static func keyAssignment(_ line: Substring) -> ([String], Substring)? {
        guard let (keys, rest) = dottedKey(line) else { return nil }
        let after = rest.drop { $0 == " " || $0 == "\t" }
        guard after.first == "=" else { return nil }
        return (keys, after.dropFirst())
    }

    /// Reads `key`, `"quoted key"`, `'literal key'` joined by dots; returns the keys and the rest.
    private static func dottedKey(_ text: Substring) -> ([String], Substring)? {
        var keys: [String] = []
        var s = text.drop { $0 == " " || $0 == "\t" }
        while true {
            guard let (key, rest) = simpleKey(s) else { return nil }
            keys.append(key)
            let after = rest.drop { $0 == " " || $0 == "\t" }
            guard after.first == "." else {
                return (keys, rest)
            }
            s = after.dropFirst().drop { $0 == " " || $0 == "\t" }
        }
    }

    private static func simpleKey(_ s: Substring) -> (String, Substring)? {
        guard let first = s.first else { return nil }
        if first == "\"" || first == "'" {
            var key = ""
            var i = s.index(after: s.startIndex)
            while i < s.endIndex {
                let c = s[i]
                if c == first { return (key, s[s.index(after: i)...]) }
                if c == "\\" && first == "\"" {
                    i = s.index(after: i)
                    guard i < s.endIndex else { return nil }
                    key.append(s[i])
                } else {
                    key.append(c)
                }
                i = s.index(after: i)
            }
            return nil
        }
        let bare = s.prefix { $0.unicodeScalars.allSatisfy(isBareKeyScalar) }
        return bare.isEmpty ? nil : (String(bare), s[bare.endIndex...])
    }

    /// `A-Z a-z 0-9 _ -`: the characters of a bare TOML key.
    static func isBareKeyScalar(_ u: Unicode.Scalar) -> Bool {
        switch u {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }

    /// The line without a trailing `# comment` (a `#` inside a string is kept).
    private static func stripComment(_ line: Substring) -> Substring {
        var quote: Character?
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if let q = quote {
                if c == "\\" && q == "\"" { i = line.index(after: i) } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return line[..<i]
            }
            if i < line.endIndex { i = line.index(after: i) }
        }
        return line
    }
}

extension Substring {
    /// How many times a delimiter occurs, not overlapping.
    fileprivate func occurrences(of delimiter: String) -> Int {
        var count = 0
        var rest = self[...]
        while let r = rest.firstRange(of: delimiter) {
            count += 1
            rest = rest[r.upperBound...]
        }
        return count
    }
}
