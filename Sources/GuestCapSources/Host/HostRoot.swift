/// A host as a directory tree: `/` on a real host, a prepared folder in tests and demos.
/// Only host facts are re-rooted (contracts/host-root.md).
public struct HostRoot: Sendable, Hashable, CustomStringConvertible {
    /// The directory, without a trailing slash except for `/`.
    public let path: String

    /// Wraps a directory path.
    public init(_ path: String = "/") {
        var p = path.isEmpty ? "/" : path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    /// Whether this is the real host.
    public var isRealHost: Bool { path == "/" }

    /// The absolute path of `relative` (written without a leading slash) below the root.
    public func resolve(_ relative: String) -> String {
        isRealHost ? "/" + relative : path + "/" + relative
    }

    public var description: String { path }
}
