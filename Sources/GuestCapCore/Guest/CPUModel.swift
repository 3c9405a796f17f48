/// A resolved CPU model version: its names and the MSR 0x10a bits it turns on.
public struct CPUModel: Sendable, Hashable {
    /// Versioned name, e.g. `Cascadelake-Server-v3`.
    public let canonicalName: String
    /// The model without a version, e.g. `Cascadelake-Server`.
    public let model: String
    /// The version number (1 for `-v1`).
    public let version: Int
    /// Bits of MSR 0x10a the model sets.
    public let bits: CapabilitySet
    /// Whether the model turns the `arch-capabilities` CPUID bit on.
    public let visible: Bool
}
