/// Who made the CPU and which microcode it runs, from `/proc/cpuinfo`.
public struct CPUIdentity: Sendable, Equatable, Codable {
    /// `GenuineIntel`, `AuthenticAMD`, `HygonGenuine`…
    public var vendor: String?
    public var family: Int?
    public var model: Int?
    public var stepping: Int?
    /// Microcode revision as the kernel prints it (`0x5003604`).
    public var microcode: String?
    public var modelName: String?
    /// The flags guestcap reasons about (`rtm`, `arch_capabilities`, …), sorted.
    public var flags: [String]

    /// Flags kept in a snapshot; the rest of cpuinfo's long list says nothing about MSR 0x10a.
    public static let relevantFlags: Set<String> = [
        "arch_capabilities", "rtm", "hle", "md_clear", "flush_l1d", "ibrs_enhanced", "hypervisor",
        "ssbd", "spec_ctrl", "intel_stibp", "tsx_ctrl", "rtm_always_abort",
    ]

    /// Creates an identity.
    public init(
        vendor: String? = nil, family: Int? = nil, model: Int? = nil, stepping: Int? = nil,
        microcode: String? = nil, modelName: String? = nil, flags: [String] = []
    ) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.stepping = stepping
        self.microcode = microcode
        self.modelName = modelName
        self.flags = flags
    }

    /// Whether the CPU enumerates IA32_ARCH_CAPABILITIES (CPUID.7.0:EDX[29]).
    public var enumeratesArchCapabilities: Bool { flags.contains("arch_capabilities") }
    /// Whether the host has RTM (TSX enabled).
    public var hasRTM: Bool { flags.contains("rtm") }
    /// Whether the vendor is AMD or Hygon, whose CPUs have no IA32_ARCH_CAPABILITIES.
    public var isAMDLike: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }

    enum CodingKeys: String, CodingKey {
        case vendor, family, model, stepping, microcode
        case modelName = "model_name"
        case flags
    }
}
