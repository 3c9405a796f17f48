/// The host-level state of MSR 0x10a across all CPUs.
public enum MSRStatus: String, Sendable, Codable {
    /// Every CPU was read and all agree.
    case ok
    /// The CPUs do not implement the MSR (AMD, Hygon, old Intel).
    case absent
    /// The device could not be read (module not loaded, permission, no CPUs found).
    case unreadable
    /// CPUs report different values.
    case inconsistent
}
