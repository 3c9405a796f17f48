/// A resolved CPU model: its canonical versioned name and the MSR 0x10a bits it turns on.
public struct CPUModel: Sendable, Hashable {
    /// Versioned name, e.g. `Cascadelake-Server-v3`.
    public let canonicalName: String
    /// Bits of MSR 0x10a the model sets.
    public let bits: CapabilitySet
    /// Whether the model turns the `arch-capabilities` CPUID bit on.
    public let visible: Bool
}
