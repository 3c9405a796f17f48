/// Firecracker's static CPU templates and what each does to MSR 0x10a (reference §4).
public enum FirecrackerTemplate: String, Sendable, CaseIterable {
    case c3 = "C3"
    case t2 = "T2"
    case t2a = "T2A"
    case t2s = "T2S"
    case t2cl = "T2CL"
    case none = "None"

    /// The value T2S forces (releases from 2026 on; earlier ones lacked fb-clear).
    public static let t2sValue = CapabilitySet(rawValue: 0x0c0a_0c4c)

    /// Bits T2CL clears from KVM's default: 9-12, 16, 18, 20-23, 25, 29-63.
    public static let t2clClearMask: CapabilitySet = {
        var bits = [9, 10, 11, 12, 16, 18, 20, 21, 22, 23, 25]
        bits += Array(29...63)
        return CapabilitySet(bits: bits)
    }()

    /// Parses a template name as Firecracker spells it (case-sensitive, as Firecracker is).
    public init?(name: String) {
        self.init(rawValue: name)
    }

    /// The CPU configuration the template makes, given where it was named.
    public func cpuConfig(origin: ConfigOrigin) -> GuestCPUConfig {
        switch self {
        case .t2s:
            return GuestCPUConfig(
                base: .fixed(value: Self.t2sValue, label: "Firecracker template T2S"), baseOrigin: origin)
        case .t2cl:
            return GuestCPUConfig(
                base: .kvmDefault(label: "Firecracker template T2CL"), baseOrigin: origin,
                operations: [CPUOperation(.clear(Self.t2clClearMask), origin: origin)])
        case .c3, .t2, .t2a, .none:
            return GuestCPUConfig(base: .kvmDefault(label: "Firecracker template \(rawValue)"), baseOrigin: origin)
        }
    }
}
