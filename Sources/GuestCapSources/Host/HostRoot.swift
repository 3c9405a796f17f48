import Glibc

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

extension HostRoot {
    /// The files a host root is recognised by (contracts/host-root.md).
    static let markers = [
        "proc/cpuinfo", "sys/devices/system/cpu/vulnerabilities", "dev/cpu",
        "sys/devices/system/cpu/online",
    ]

    /// Checks that this tree looks like a host: a real host has `/proc/cpuinfo` and the
    /// vulnerabilities folder; a prepared folder has at least one of the host files.
    /// - Throws: ``HostRootError`` naming what is missing.
    public func check() throws(HostRootError) {
        func exists(_ p: String) -> Bool { access(p, F_OK) == 0 }
        if isRealHost {
            let missing = Self.markers.prefix(2).map(resolve).filter { !exists($0) }
            if !missing.isEmpty { throw HostRootError(root: path, missing: missing) }
            return
        }
        guard exists(path) else { throw HostRootError(root: path, missing: [path]) }
        if !Self.markers.contains(where: { exists(resolve($0)) }) {
            throw HostRootError(root: path, missing: Self.markers.map(resolve))
        }
    }
}
