/// A shell-style pattern (`*`, `?`, `[abc]`, `[a-z]`, `[!x]`) matched against a whole name.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let chars: [Character]

    /// Validates and compiles a pattern.
    /// - Throws: `GlobError` when a `[` is not closed or the pattern is empty.
    public init(_ pattern: String) throws(GlobError) {
        guard !pattern.isEmpty else { throw GlobError(pattern: pattern, reason: "the pattern is empty") }
        let chars = Array(pattern)
        var i = 0
        while i < chars.count {
            if chars[i] == "[" {
                guard let close = Self.classEnd(chars, from: i) else {
                    throw GlobError(pattern: pattern, reason: "'[' at position \(i + 1) is not closed by ']'")
                }
                i = close
            }
            i += 1
        }
        self.pattern = pattern
        self.chars = chars
    }

    public var description: String { pattern }

    /// Whether the whole text matches.
    public func matches(_ text: String) -> Bool {
        Self.match(chars, Array(text))
    }

    private static func classEnd(_ p: [Character], from start: Int) -> Int? {
        var j = start + 1
        if j < p.count, p[j] == "!" || p[j] == "^" { j += 1 }
        if j < p.count, p[j] == "]" { j += 1 }
        while j < p.count {
            if p[j] == "]" { return j }
            j += 1
        }
        return nil
    }

    // Iterative matching with single backtrack point for '*': linear-ish, no recursion blow-up.
    private static func match(_ p: [Character], _ t: [Character]) -> Bool {
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
                continue
            }
            if pi < p.count, let next = matchOne(p, pi, t[ti]) {
                pi = next
                ti += 1
                continue
            }
            if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
                continue
            }
            return false
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    /// If p[pi] matches c, the index after the pattern element.
    private static func matchOne(_ p: [Character], _ pi: Int, _ c: Character) -> Int? {
        switch p[pi] {
        case "?": return pi + 1
        case "[":
            guard let end = classEnd(p, from: pi) else { return nil }
            var k = pi + 1
            var negate = false
            if k < end, p[k] == "!" || p[k] == "^" {
                negate = true
                k += 1
            }
            var hit = false
            while k < end {
                if k + 2 < end, p[k + 1] == "-" {
                    if p[k] <= c && c <= p[k + 2] { hit = true }
                    k += 3
                } else {
                    if p[k] == c { hit = true }
                    k += 1
                }
            }
            return hit != negate ? end + 1 : nil
        default:
            return p[pi] == c ? pi + 1 : nil
        }
    }
}

/// A glob pattern that cannot be used.
public struct GlobError: Error, Sendable, Equatable, CustomStringConvertible {
    public let pattern: String
    public let reason: String
    public var description: String { "bad pattern '\(pattern)': \(reason)" }
}
