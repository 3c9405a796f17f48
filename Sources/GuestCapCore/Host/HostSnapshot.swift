import Foundation

/// Every input of the justified set, as read from one host at one time.
///
/// A snapshot is data only: J and kvm_default are recomputed from it under any policy
/// (``HostAssessment``), which is what lets a saved snapshot stand for a pool member.
public struct HostSnapshot: Sendable, Equatable {
    public var hostname: String
    public var machineID: String?
    /// Kernel release (`uname -r`).
    public var kernel: String?
    public var cpu: CPUIdentity
    /// One reading per CPU, ascending by CPU number.
    public var msr: [MSRReading]
    /// A host-level reason the MSR could not be read at all (no CPU list), else nil.
    public var msrProbeError: String?
    /// `sys/devices/system/cpu/vulnerabilities/<file>` → its line.
    public var vulnerabilities: [String: String]
    /// kvm_intel's `vmentry_l1d_flush` parameter, nil when absent.
    public var vmentryL1dFlush: String?
    /// What KVM_GET_MSRS on /dev/kvm returned, when it could be read.
    public var kvmReported: UInt64?
    /// Whether KVM lets a vCPU have CPUID.7.0:EDX[29] (`KVM_GET_SUPPORTED_CPUID`); nil when unknown.
    public var kvmOffersArchCapabilities: Bool?
    /// When this host state was first seen (set by the history store).
    public var since: Date?

    /// Creates a snapshot.
    public init(
        hostname: String, machineID: String? = nil, kernel: String? = nil, cpu: CPUIdentity = CPUIdentity(),
        msr: [MSRReading] = [], msrProbeError: String? = nil, vulnerabilities: [String: String] = [:],
        vmentryL1dFlush: String? = nil, kvmReported: UInt64? = nil, kvmOffersArchCapabilities: Bool? = nil,
        since: Date? = nil
    ) {
        self.hostname = hostname
        self.machineID = machineID
        self.kernel = kernel
        self.cpu = cpu
        self.msr = msr
        self.msrProbeError = msrProbeError
        self.vulnerabilities = vulnerabilities
        self.vmentryL1dFlush = vmentryL1dFlush
        self.kvmReported = kvmReported
        self.kvmOffersArchCapabilities = kvmOffersArchCapabilities
        self.since = since
    }

    /// The same facts without the time they were first seen: what decides "the host changed".
    public var withoutTimestamp: HostSnapshot {
        var copy = self
        copy.since = nil
        return copy
    }
}
