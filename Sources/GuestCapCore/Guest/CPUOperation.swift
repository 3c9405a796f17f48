/// One change a configuration applies to the guest's value, in the order it applies.
public struct CPUOperation: Sendable, Hashable {
    /// What the change does.
    public enum Step: Sendable, Hashable {
        /// Turn bits on (libvirt force/require, QEMU `+x` / `x=on`, template `1`).
        case set(CapabilitySet)
        /// Turn bits off (libvirt disable/forbid, QEMU `-x` / `x=off`, template `0`).
        case clear(CapabilitySet)
        /// Turn each bit on only if KVM's default has it (libvirt `optional`).
        case setIfKVMDefault(CapabilitySet)
        /// Make the MSR readable by the guest or not (CPUID.7.0:EDX[29]).
        case visible(Bool)
    }

    /// What the change does.
    public let step: Step
    /// Where it was written.
    public let origin: ConfigOrigin

    /// Creates an operation.
    public init(_ step: Step, origin: ConfigOrigin) {
        self.step = step
        self.origin = origin
    }
}
