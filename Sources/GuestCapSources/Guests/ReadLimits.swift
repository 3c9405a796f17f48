/// Limits on what guestcap reads from a configuration file.
public struct ReadLimits: Sendable, Equatable {
    /// Largest configuration file read, in bytes (`max_config_bytes` in the daemon configuration, `--max-config-bytes`).
    public var maxBytes: Int = 4 << 20

    /// Creates limits; the default is 4 MiB, far above any real domain XML.
    public init(maxBytes: Int = 4 << 20) {
        self.maxBytes = maxBytes
    }
}
