import GuestCapCore
import GuestCapSources

/// Command-line flags that override the configuration file (for scripts and tests). The same
/// overrides are applied again on every reload.
public struct DaemonOverrides: Sendable, Hashable {
    /// `--config FILE` (nil: the default file, which may be missing).
    public var configFile: String?
    public var hostRoot: String?
    public var policy: String?
    public var database: String?
    /// `--watch KIND=DIR`, repeatable: replaces the configured sources.
    public var watch: [WatchedSource] = []
    public var sampleInterval: Duration?
    public var processScanInterval: Duration?
    public var maxConfigBytes: Int?

    /// No overrides.
    public init() {}

    /// Reads the configuration file and applies the overrides.
    /// - Throws: ``DaemonConfigurationError``.
    public func resolve() throws(DaemonConfigurationError) -> DaemonConfiguration {
        var c = try DaemonConfigurationLoader().load(
            path: configFile ?? DaemonConfiguration.defaultPath,
            mustExist: configFile != nil)
        if let hostRoot { c.hostRoot = hostRoot }
        if let policy {
            c.policyPath = policy
            c.policyRequired = true
        }
        if let database { c.databasePath = database }
        if !watch.isEmpty { c.sources = watch }
        if let sampleInterval { c.sampleInterval = sampleInterval }
        if let maxConfigBytes { c.maxConfigBytes = maxConfigBytes }
        if let processScanInterval { c.processScanInterval = processScanInterval == .zero ? nil : processScanInterval }
        return c
    }

    /// The policy a configuration names: the file when it exists or was named, else built-in.
    /// - Throws: ``PolicyError``.
    public static func policy(for c: DaemonConfiguration) throws(PolicyError) -> Policy {
        if !c.policyRequired && !DirectoryWatcher.exists(c.policyPath) { return .builtIn }
        return try PolicyLoader().load(path: c.policyPath)
    }
}
