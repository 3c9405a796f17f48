/// A configuration file that could not be read: the path and a sentence saying why.
public struct ConfigReadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file as named.
    public let path: String
    /// Why, e.g. `is a FIFO, not a regular file`.
    public let reason: String
    /// The error number behind it, when a system call failed.
    public let errno: Int32?

    /// Creates an error.
    public init(path: String, reason: String, errno: Int32? = nil) {
        self.path = path
        self.reason = reason
        self.errno = errno
    }

    /// `PATH: reason`.
    public var description: String { "\(path): \(reason)" }
}
