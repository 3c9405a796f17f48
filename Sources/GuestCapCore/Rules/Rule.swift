/// Every rule guestcap evaluates (policy-model §3), guest-level and host-level.
public enum Rule: String, Sendable, Codable, CaseIterable, Comparable {
    case unjustifiedImmunity = "unjustified-immunity"
    case unjustifiedMitigation = "unjustified-mitigation"
    case hiddenDisclosure = "hidden-disclosure"
    case unsupportedControl = "unsupported-control"
    case reservedBits = "reserved-bits"
    case migrationUnsafe = "migration-unsafe"
    case requestDropped = "request-dropped"
    case unknownModel = "unknown-model"
    case msrHidden = "msr-hidden"
    case missedImmunity = "missed-immunity"
    case hostMSRInconsistent = "host-msr-inconsistent"
    case hostMSRUnreadable = "host-msr-unreadable"
    case kvmDefaultDiffers = "kvm-default-differs"
    case configUnreadable = "config-unreadable"

    /// The severity a rule has unless the policy overrides it.
    public var defaultSeverity: Severity {
        switch self {
        case .unjustifiedImmunity, .unjustifiedMitigation: .critical
        case .hiddenDisclosure, .migrationUnsafe, .hostMSRInconsistent: .error
        case .unsupportedControl, .reservedBits, .hostMSRUnreadable, .configUnreadable: .warning
        case .unknownModel, .requestDropped, .kvmDefaultDiffers: .notice
        case .msrHidden, .missedImmunity: .info
        }
    }

    /// Whether the rule is about the host rather than a guest.
    public var isHostRule: Bool {
        self == .hostMSRInconsistent || self == .hostMSRUnreadable || self == .kvmDefaultDiffers
    }

    /// One line for help output and reports.
    public var summary: String {
        switch self {
        case .unjustifiedImmunity: "the guest is told it is not affected by a flaw the host has"
        case .unjustifiedMitigation: "the guest is told the hardware protects it when the host does not"
        case .hiddenDisclosure: "the host warns about alternate RET prediction but the guest is not told"
        case .unsupportedControl: "the guest is told a control MSR exists that KVM cannot emulate here"
        case .reservedBits: "the guest is told bits that no one has defined"
        case .migrationUnsafe: "a host of the guest's migration pool could not back what the guest was told"
        case .requestDropped: "the configuration asks for bits its VMM will not pass on this host"
        case .kvmDefaultDiffers: "KVM's own value for new guests differs from the one computed from the host's facts"
        case .unknownModel: "the CPU model is unknown to guestcap, so its own bits are unknown"
        case .msrHidden: "the guest cannot read the MSR and will assume it is vulnerable to everything"
        case .missedImmunity: "the guest mitigates flaws the host is not affected by"
        case .hostMSRInconsistent: "the host's CPUs report different IA32_ARCH_CAPABILITIES values"
        case .hostMSRUnreadable: "the host's MSR cannot be read; J falls back to the kernel's verdicts"
        case .configUnreadable: "a guest configuration could not be read or parsed"
        }
    }

    public static func < (lhs: Rule, rhs: Rule) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
