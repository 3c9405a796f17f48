import GuestCapSources

/// Everything `guestcap daemon` needs to know, with defaults that work on a stock libvirt host.
/// Read from `/etc/guestcap/guestcap.toml` (``DaemonConfigurationLoader``); command-line flags
/// override it.
public struct DaemonConfiguration: Sendable, Hashable {
    /// The default configuration file.
    public static let defaultPath = "/etc/guestcap/guestcap.toml"
    /// The default policy file; when it does not exist the built-in policy applies.
    public static let defaultPolicyPath = "/etc/guestcap/policy.toml"
    /// The default history database.
    public static let defaultDatabasePath = "/var/lib/guestcap/history.sqlite"

    /// Where host facts are read (contracts/host-root.md); re-roots nothing else.
    public var hostRoot: String = "/"
    /// The policy file.
    public var policyPath: String = defaultPolicyPath
    /// Whether the policy file must exist (true when named explicitly).
    public var policyRequired = false
    /// The SQLite history.
    public var databasePath: String = defaultDatabasePath
    /// Watched directories.
    public var sources: [WatchedSource] = WatchedSource.libvirtDefaults
    /// How often running QEMU processes under `<host root>/proc` are listed; nil: never.
    public var processScanInterval: Duration? = nil
    /// How often the host is re-read (also on SIGHUP).
    public var sampleInterval: Duration = .seconds(300)
    /// Largest configuration file read, in bytes (`max_config_bytes`).
    public var maxConfigBytes: Int = ReadLimits().maxBytes
    /// Prometheus node-exporter textfile to keep current; nil: none.
    public var textfilePath: String? = nil
    /// The file this was read from, nil for the built-in defaults.
    public var file: String? = nil

    /// The defaults.
    public init() {}

    /// The size limit for configuration files.
    public var readLimits: ReadLimits { ReadLimits(maxBytes: maxConfigBytes) }
}
