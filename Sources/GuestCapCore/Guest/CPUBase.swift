/// Where a guest's value starts before features and modifiers apply (policy-model §2).
public enum CPUBase: Sendable, Hashable {
    /// QEMU's default CPU (no `<cpu>`, no `-cpu`): value 0, MSR not visible.
    case qemuDefault
    /// KVM's default value; the label says why (`host-passthrough`, `host-model`, `-cpu host`, `Firecracker C3`).
    case kvmDefault(label: String)
    /// A named CPU model (QEMU or libvirt name), resolved through ``CPUModelCatalog``.
    case model(name: String)
    /// A value fixed by a template, visible (Firecracker T2S).
    case fixed(value: CapabilitySet, label: String)
}
