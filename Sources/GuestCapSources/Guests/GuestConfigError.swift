/// Why a configuration could not be turned into a ``GuestConfig``: either it is broken, or it
/// is a well-formed document of another kind (a libvirt `<network>`, an unrelated JSON).
public struct GuestConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which of the two it is.
    public enum Kind: Sendable, Equatable {
        /// The file claims to be a guest configuration but cannot be read as one.
        case malformed
        /// The file is fine but describes no guest: it is listed as skipped, not unreadable.
        case otherKind
    }

    /// Which of the two it is.
    public let kind: Kind
    /// A sentence saying what is wrong.
    public let reason: String
    /// The 1-based line it concerns, when known.
    public let line: Int?

    /// Creates an error.
    public init(_ kind: Kind, _ reason: String, line: Int? = nil) {
        self.kind = kind
        self.reason = reason
        self.line = line
    }

    /// A broken configuration.
    public static func malformed(_ reason: String, line: Int? = nil) -> GuestConfigError {
        GuestConfigError(.malformed, reason, line: line)
    }

    /// A document that is not a guest configuration.
    public static func otherKind(_ reason: String) -> GuestConfigError {
        GuestConfigError(.otherKind, reason)
    }

    /// `line N: reason`, or the reason alone.
    public var description: String {
        line.map { "line \($0): \(reason)" } ?? reason
    }
}
