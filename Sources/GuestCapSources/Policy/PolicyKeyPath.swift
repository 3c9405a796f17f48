import Foundation

/// Where a value sits in a policy file: `rules`, `missed-immunity`, `severity`, or `waivers`, #1, `expires`.
struct PolicyKeyPath: Sendable, Hashable {
    /// One step: a key of a table, or a 0-based position in an array of tables.
    enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    var components: [Component]

    init(_ components: [Component] = []) { self.components = components }

    /// The path one key deeper.
    func appending(_ key: String) -> PolicyKeyPath { PolicyKeyPath(components + [.key(key)]) }

    /// The path of one element of an array of tables.
    func appending(index: Int) -> PolicyKeyPath { PolicyKeyPath(components + [.index(index)]) }

    /// What messages print: `kvm_synthesis`, `rules.missed-immunity.severity`, `[waivers.2].expires`
    /// (array-of-table elements are numbered from 1, as an operator counts them).
    var display: String {
        func text(_ c: Component) -> String {
            switch c {
            case .key(let k): Self.quoteIfNeeded(k)
            case .index(let i): String(i + 1)
            }
        }
        guard let lastIndex = components.lastIndex(where: { if case .index = $0 { true } else { false } }) else {
            return components.map(text).joined(separator: ".")
        }
        let head = "[" + components[...lastIndex].map(text).joined(separator: ".") + "]"
        let tail = components[(lastIndex + 1)...].map(text)
        return tail.isEmpty ? head : head + "." + tail.joined(separator: ".")
    }

    /// The key as the source map stores it: components joined by a separator no key contains.
    var mapKey: String {
        components.map { c in
            switch c {
            case .key(let k): k
            case .index(let i): "#\(i)"
            }
        }.joined(separator: "\u{1f}")
    }

    static func quoteIfNeeded(_ key: String) -> String {
        let bare = !key.isEmpty && key.unicodeScalars.allSatisfy { PolicySourceMap.isBareKeyScalar($0) }
        return bare ? key : "\"" + key.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
