/// The policy switches that change how the justified set J is built (policy-model §1).
public struct JustificationOptions: Sendable, Equatable, Hashable {
    /// Count the bits KVM synthesizes from the kernel's verdicts as justified.
    public var kvmSynthesis: Bool
    /// Count QEMU's synthesized `fb-clear` as justified.
    public var qemuFbClear: Bool

    /// Creates options; both switches are on by default.
    public init(kvmSynthesis: Bool = true, qemuFbClear: Bool = true) {
        self.kvmSynthesis = kvmSynthesis
        self.qemuFbClear = qemuFbClear
    }
}
