/// Which program decides what reaches the guest (policy-model §2): the configuration only asks.
public enum GuestVMM: String, Sendable, Codable, CaseIterable {
    /// QEMU with KVM: passes what the boot host's KVM provides, drops the rest at start.
    case qemuKVM = "qemu-kvm"
    /// QEMU with TCG: passes no bit of MSR 0x10a and hides the MSR.
    case qemuTCG = "qemu-tcg"
    /// Firecracker writes the MSR itself and KVM stores whatever it writes.
    case firecracker
    /// libvirt's live status: its CPU already records what QEMU gave.
    case libvirtLive = "libvirt-live"
    /// A running QEMU process: its command line, against the host it started on.
    case qemuProcess = "qemu-process"
}

/// The accelerator a QEMU guest runs with.
public enum Accelerator: String, Sendable, Hashable {
    case kvm
    case tcg
}

/// Which way a guest moves between this host and a pool member (migration-unsafe).
public enum MigrationDirection: String, Sendable, Codable, CaseIterable {
    /// Booted here, moved to the pool host.
    case outgoing
    /// Booted on the pool host, moved here.
    case incoming
}
