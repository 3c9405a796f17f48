/// G: what a guest is told in MSR 0x10a, with the place that put each bit there.
public struct AdvertisedValue: Sendable, Hashable {
    /// The value.
    public var value: CapabilitySet
    /// Whether the guest can read the MSR at all (CPUID.7.0:EDX[29]).
    public var visible: Bool
    /// Bit number → what set it.
    public var provenance: [Int: ConfigOrigin]
    /// The model name when the configuration names one guestcap does not know.
    public var unknownModel: String?
    /// Where the unknown model was named.
    public var unknownModelOrigin: ConfigOrigin?

    /// Creates a value.
    public init(
        value: CapabilitySet, visible: Bool, provenance: [Int: ConfigOrigin] = [:],
        unknownModel: String? = nil, unknownModelOrigin: ConfigOrigin? = nil
    ) {
        self.value = value
        self.visible = visible
        self.provenance = provenance
        self.unknownModel = unknownModel
        self.unknownModelOrigin = unknownModelOrigin
    }

    /// Computes G for a configuration on a host (the snapshot in effect when the guest started).
    public init(config: GuestConfig, host: HostAssessment) {
        var value = CapabilitySet.empty
        var visible = false
        var provenance: [Int: ConfigOrigin] = [:]
        var unknown: String?
        let kvmDefault = host.kvmDefault
        let origin = config.cpu.baseOrigin

        func set(_ bits: CapabilitySet, _ from: ConfigOrigin) {
            value.formUnion(bits)
            for n in bits.bitNumbers { provenance[n] = from }
        }
        func clear(_ bits: CapabilitySet) {
            value.subtract(bits)
            for n in bits.bitNumbers { provenance[n] = nil }
        }

        switch config.cpu.base {
        case .qemuDefault:
            break
        case .kvmDefault(let label):
            set(kvmDefault, ConfigOrigin("KVM default (\(label))", line: origin.line))
            visible = true
        case .model(let name):
            // microvm (and nitro-enclave) give an unversioned model name its latest version.
            let machine = config.cpu.machine ?? ""
            let latest = machine.hasPrefix("microvm") || machine.hasPrefix("nitro-enclave")
            if let model = CPUModelCatalog.model(named: name, unversioned: latest ? .latest : .v1) {
                set(model.bits, ConfigOrigin("model \(model.canonicalName)", line: origin.line))
                visible = model.visible
            } else {
                unknown = name
            }
        case .fixed(let fixed, let label):
            set(fixed, ConfigOrigin(label, line: origin.line))
            visible = true
        }
        for op in config.cpu.operations {
            switch op.step {
            case .set(let bits): set(bits, op.origin)
            case .clear(let bits): clear(bits)
            case .setIfKVMDefault(let bits): set(bits.intersection(kvmDefault), op.origin)
            case .visible(let v): visible = v
            }
        }
        // Firecracker on AMD: Firecracker hides the MSR from AMD guests.
        if config.source == .firecracker && host.snapshot.cpu.isAMDLike { visible = false }
        self.init(
            value: value, visible: visible, provenance: provenance, unknownModel: unknown,
            unknownModelOrigin: unknown == nil ? nil : origin)
    }
}
