/// One bit of MSR 0x10a (IA32_ARCH_CAPABILITIES) as guestcap names and classifies it.
public struct ArchCapBit: Sendable, Hashable {
    /// Bit number, 0...63.
    public let number: Int
    /// The Linux kernel's name (`MDS_NO`), nil for reserved bits.
    public let kernelName: String?
    /// guestcap's canonical name (`mds-no`, or `bit29` for a reserved bit).
    public let name: String
    /// The class the rules reason about.
    public let bitClass: BitClass
    /// Whether KVM passes the host's bit through to guests (KVM_SUPPORTED_ARCH_CAP).
    public let kvmPassThrough: Bool
    /// One line saying what the bit means.
    public let meaning: String

    /// The mask with only this bit set.
    public var mask: UInt64 { 1 << UInt64(number) }
}
