/// Why a guest could not be probed; each reads as a sentence naming the file.
public struct ProbeError: Error, Sendable, CustomStringConvertible {
    /// The configuration file.
    public let path: String
    /// What went wrong, as a sentence (QEMU's or libvirt's own words quoted where they refused).
    public let reason: String

    /// Creates an error.
    public init(path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    /// `PATH: reason`.
    public var description: String { "\(path): \(reason)" }
}
