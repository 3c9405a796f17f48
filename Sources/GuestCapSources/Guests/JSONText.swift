import Foundation

/// JSON decoding with the checks hostile input needs before Foundation sees it.
enum JSONText {
    /// Deepest nesting of objects and arrays accepted; real Firecracker files use 4.
    static let maxDepth = 64

    /// The parsed document.
    /// - Throws: ``GuestConfigError/malformed(_:line:)`` for bad UTF-8, nesting over ``maxDepth``, or bad JSON.
    static func decode(_ bytes: [UInt8]) throws(GuestConfigError) -> Any {
        _ = try ConfigText.decodeUTF8(bytes)
        try checkDepth(bytes)
        do {
            return try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw .malformed("is not valid JSON" + (detail.map { ": \($0)" } ?? ""))
        }
    }

    /// A byte scan counting `{`/`[` outside strings, so deep nesting is refused without recursion.
    static func checkDepth(_ bytes: [UInt8]) throws(GuestConfigError) {
        var depth = 0
        var inString = false
        var escaped = false
        for (i, b) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > maxDepth {
                    throw .malformed(
                        "JSON nested deeper than \(maxDepth) levels", line: ConfigText.line(atOffset: i, in: bytes))
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
    }

    /// A number written as JSON integer or as a string (`"0x10a"`, `"0b…"`, `"266"`), as Firecracker accepts.
    static func integer(_ value: Any?) -> UInt64? {
        if let n = value as? NSNumber { return n.uint64Value }
        guard let s = (value as? String)?.lowercased() else { return nil }
        if s.hasPrefix("0x") { return UInt64(s.dropFirst(2), radix: 16) }
        if s.hasPrefix("0b") { return UInt64(s.dropFirst(2), radix: 2) }
        return UInt64(s)
    }
}
