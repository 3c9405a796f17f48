/// What reading MSR 0x10a on one CPU gave.
public struct MSRReading: Sendable, Equatable, Codable {
    /// How the read ended.
    public enum Status: String, Sendable, Codable {
        /// The value was read.
        case ok
        /// The CPU does not implement the MSR (EIO, or a short read of a stand-in file).
        case absent
        /// `/dev/cpu/N/` exists but has no `msr` node: the msr module is not loaded.
        case moduleNotLoaded = "module-not-loaded"
        /// EACCES/EPERM: not root, or no CAP_SYS_RAWIO.
        case permissionDenied = "permission-denied"
        /// Any other failure.
        case error
    }

    /// Logical CPU number.
    public let cpu: Int
    /// How the read ended.
    public let status: Status
    /// The value, when status is ok.
    public let value: UInt64?
    /// A sentence naming the file and the reason, when status is not ok.
    public let error: String?

    /// Creates a reading.
    public init(cpu: Int, status: Status, value: UInt64? = nil, error: String? = nil) {
        self.cpu = cpu
        self.status = status
        self.value = value
        self.error = error
    }
}
