/// R and G of one guest on one host (policy-model §2): what its configuration asks for, what
/// its VMM lets it be told, and what was dropped between the two.
public struct GuestValues: Sendable, Hashable {
    /// R: what the configuration asks for, each bit with the line that asked.
    public var requested: AdvertisedValue
    /// G: what the guest reads. Rules judge this.
    public var told: AdvertisedValue
    /// Which program decides.
    public var vmm: GuestVMM
    /// `R \ G` of a visible R: asked for, not passed.
    public var dropped: CapabilitySet
    /// The accelerator decided the drop (nil for VMMs that drop nothing).
    public var accelerator: Accelerator?
    /// Where the configuration makes QEMU refuse to start rather than drop (`check='full'`, `enforce`).
    public var strictCheck: ConfigOrigin?
    /// KVM on the boot host does not offer the arch-capabilities CPUID bit, so the MSR is hidden.
    public var kvmHidesMSR = false

    /// Whether QEMU refuses to start the guest on this host instead of dropping bits.
    public var refusesToStart: Bool { strictCheck != nil && !dropped.isEmpty }

    /// Computes R and G for a configuration on the host it boots on.
    public init(config: GuestConfig, host: HostAssessment) {
        let requested = AdvertisedValue(config: config, host: host)
        self.requested = requested
        self.vmm = config.vmm
        self.strictCheck = config.cpu.strictCheck
        let hidden = AdvertisedValue(
            value: .empty, visible: false, unknownModel: requested.unknownModel,
            unknownModelOrigin: requested.unknownModelOrigin)
        // Which accelerator filters: QEMU's (a live file only under TCG, where libvirt keeps host
        // modes the guest never sees); none for Firecracker and a KVM guest's live file.
        switch config.vmm {
        case .qemuKVM, .qemuTCG, .qemuProcess: accelerator = config.accelerator == .tcg ? .tcg : .kvm
        case .libvirtLive: accelerator = config.accelerator == .tcg ? .tcg : nil
        case .firecracker: accelerator = nil
        }
        // Where KVM does not offer CPUID.7.0:EDX[29] (some nested backends), no KVM guest reads the MSR.
        kvmHidesMSR = accelerator != .tcg && host.snapshot.kvmOffersArchCapabilities == false
        switch accelerator {
        case .tcg?: told = hidden
        case _ where kvmHidesMSR: told = hidden
        case .kvm?: told = requested.restricted(to: host.qemuPasses)
        case nil: told = requested
        }
        dropped = requested.visible ? requested.value.subtracting(told.value) : .empty
    }

    /// The bits this VMM could tell a guest on `host`: Q for QEMU with KVM, everything for a VMM
    /// that writes the MSR itself, nothing under TCG.
    public func passable(on host: HostAssessment) -> CapabilitySet {
        switch accelerator {
        case .kvm?: return host.qemuPasses
        case .tcg?: return .empty
        case nil: return vmm == .libvirtLive ? host.qemuPasses : CapabilitySet(rawValue: .max)
        }
    }

    /// Why the VMM drops what it drops, for `request-dropped`.
    public func dropReason() -> String {
        let names = dropped.names.joined(separator: ", ")
        let started = vmm == .qemuProcess ? "QEMU dropped" : "QEMU drops"
        var text: String
        switch accelerator {
        case _ where kvmHidesMSR:
            text =
                "asks for \(names), but KVM on this host does not offer the arch-capabilities CPUID bit "
                + "(CPUID.7.0:EDX[29]), so the guest cannot read the MSR"
        case .tcg?:
            text =
                "asks for \(names), but QEMU with TCG passes no MSR 0x10a bit and hides the MSR: \(started) them at start"
        default:
            text =
                "asks for \(names), which KVM on this host does not provide: \(started) \(dropped.bitNumbers.count == 1 ? "it" : "them") at start"
        }
        if let strict = strictCheck {
            text += "; with \(strict.text) QEMU refuses to start the guest here instead"
        }
        return text
    }
}

extension AdvertisedValue {
    /// The same value with only the bits in `allowed`, each keeping its provenance.
    func restricted(to allowed: CapabilitySet) -> AdvertisedValue {
        var copy = self
        copy.value = value.intersection(allowed)
        copy.provenance = provenance.filter { copy.value.rawValue & (1 << UInt64($0.key)) != 0 }
        return copy
    }
}
