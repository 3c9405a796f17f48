/// guestcap's grouping of IA32_ARCH_CAPABILITIES bits; the policy rules are written against it.
public enum BitClass: String, Sendable, Codable, CaseIterable {
    /// A "_NO" bit: a guest that sees it skips a mitigation.
    case immunity
    /// Claims the hardware does something protective that the guest relies on.
    case mitigation
    /// Warns the guest; hiding it makes the guest under-mitigate.
    case disclosure
    /// Says that an MSR or control exists.
    case control
    /// Not defined by anyone.
    case reserved
}
