import Glibc

/// Reads KVM's own IA32_ARCH_CAPABILITIES for new guests: the system ioctl KVM_GET_MSRS on
/// `/dev/kvm` (the "feature MSR" path), which returns KVM's synthesized value.
enum KVMFeatureMSR {
    /// `_IOWR(KVMIO=0xAE, 0x88, struct kvm_msrs)`: struct kvm_msrs is 8 bytes (nmsrs, pad).
    private static let kvmGetMSRs: UInt = 0xC008_AE88

    /// The value, or nil when /dev/kvm is absent, not openable, or does not answer.
    static func read(device: String = "/dev/kvm", index: UInt32) -> UInt64? {
        let fd = open(device, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        // struct kvm_msrs { u32 nmsrs; u32 pad; struct kvm_msr_entry { u32 index; u32 reserved; u64 data; } [1] }
        var buffer = [UInt32](repeating: 0, count: 6)
        buffer[0] = 1
        buffer[2] = index
        let done = buffer.withUnsafeMutableBytes { raw -> Int32 in
            var rc: Int32
            repeat { rc = ioctl(fd, kvmGetMSRs, raw.baseAddress!) } while rc < 0 && errno == EINTR
            return rc
        }
        guard done == 1 else { return nil }
        return UInt64(buffer[4]) | UInt64(buffer[5]) << 32
    }

    private static let kvmGetSupportedCPUID: UInt = 0xC008_AE05  // _IOWR(0xAE, 0x05, struct kvm_cpuid2)
    private static let kvmCreateVM: UInt = 0xAE01  // _IO(0xAE, 0x01)
    private static let kvmCreateVCPU: UInt = 0xAE41  // _IO(0xAE, 0x41)
    private static let kvmSetCPUID2: UInt = 0x4008_AE90  // _IOW(0xAE, 0x90, struct kvm_cpuid2)
    private static let kvmGetCPUID2: UInt = 0xC008_AE91  // _IOWR(0xAE, 0x91, struct kvm_cpuid2)

    /// ``offersArchCapabilities(device:)`` asked once per process: it creates a scratch VM, and
    /// the answer changes only with the kvm module.
    static let offersArchCapabilitiesOnce: Bool? = offersArchCapabilities()

    /// Whether a KVM vCPU keeps CPUID.7.0:EDX[29] (arch-capabilities): the bit must be in
    /// `KVM_GET_SUPPORTED_CPUID` and survive `KVM_SET_CPUID2` on a scratch vCPU, since some nested
    /// backends advertise it and clear it there. Then no guest can read MSR 0x10a whatever its
    /// configuration asks. Read-only is enough (the service may open /dev/kvm only for reading).
    /// nil when /dev/kvm does not answer.
    static func offersArchCapabilities(device: String = "/dev/kvm") -> Bool? {
        let fd = open(device, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard var supported = cpuid(fd, request: kvmGetSupportedCPUID) else { return nil }
        guard archCapabilitiesBit(supported) == true else { return false }
        let vm = retrying { ioctl(fd, kvmCreateVM, 0) }
        guard vm >= 0 else { return nil }
        defer { close(vm) }
        let vcpu = retrying { ioctl(vm, kvmCreateVCPU, 0) }
        guard vcpu >= 0 else { return nil }
        defer { close(vcpu) }
        let set = supported.withUnsafeMutableBytes { raw in retrying { ioctl(vcpu, kvmSetCPUID2, raw.baseAddress!) } }
        guard set >= 0 else { return nil }
        guard let kept = cpuid(vcpu, request: kvmGetCPUID2) else { return nil }
        return archCapabilitiesBit(kept) ?? false
    }

    /// A `struct kvm_cpuid2` filled by `request`, as words: nent, padding, then 10 words an entry
    /// (function, index, flags, eax, ebx, ecx, edx, padding[3]).
    private static func cpuid(_ fd: Int32, request: UInt) -> [UInt32]? {
        for count in [256, 1024] {
            var buffer = [UInt32](repeating: 0, count: 2 + 10 * count)
            buffer[0] = UInt32(count)
            let rc = buffer.withUnsafeMutableBytes { raw in retrying { ioctl(fd, request, raw.baseAddress!) } }
            if rc >= 0 { return Array(buffer.prefix(2 + 10 * Int(min(buffer[0], UInt32(count))))) }
            if errno != E2BIG { return nil }
        }
        return nil
    }

    /// CPUID.7.0:EDX[29] in a `struct kvm_cpuid2`; nil when leaf 7 subleaf 0 is absent.
    private static func archCapabilitiesBit(_ words: [UInt32]) -> Bool? {
        let entries = (words.count - 2) / 10
        for i in 0..<entries where words[2 + 10 * i] == 7 && words[3 + 10 * i] == 0 {
            return words[2 + 10 * i + 6] & (1 << 29) != 0
        }
        return nil
    }

    private static func retrying(_ call: () -> Int32) -> Int32 {
        var rc: Int32
        repeat { rc = call() } while rc < 0 && errno == EINTR
        return rc
    }
}
