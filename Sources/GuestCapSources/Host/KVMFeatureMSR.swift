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
}
