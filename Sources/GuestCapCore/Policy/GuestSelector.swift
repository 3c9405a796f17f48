/// Which guests something applies to: all, or those whose name or UUID matches a glob.
public struct GuestSelector: Sendable, Hashable, CustomStringConvertible {
    /// Patterns matched against the guest's name and its UUID; empty with `all` means every guest.
    public let patterns: [Glob]
    /// Every guest.
    public let all: Bool

    /// Every guest.
    public static let everyGuest = GuestSelector(all: true, patterns: [])

    /// Creates a selector.
    public init(all: Bool = false, patterns: [Glob]) {
        self.all = all
        self.patterns = patterns
    }

    /// Whether a guest with this name and UUID is selected.
    public func matches(name: String?, uuid: String?) -> Bool {
        if all { return true }
        return patterns.contains { glob in
            (name.map(glob.matches) ?? false) || (uuid.map { glob.matches($0.lowercased()) } ?? false)
        }
    }

    public var description: String {
        all ? "all guests" : patterns.map(\.pattern).joined(separator: ", ")
    }
}
