/*
 * kvm-msr-vmm: what Firecracker does with MSR 0x10a, and nothing else. Built and run by
 * KVMGroundTruthTests.
 *
 *   kvm-msr-vmm VALUE           (hex, e.g. 0x0c0a0c4c)
 *   kvm-msr-vmm hidden          (the template hides the MSR: bit 29 cleared, no write)
 *   kvm-msr-vmm hold            (one idle VM with one vCPU, kept until the process is killed)
 *
 * KVM_SET_CPUID2 with CPUID.7.0:EDX[29] set, KVM_SET_MSRS of MSR 0x10a = VALUE, then a
 * 16-bit guest runs cpuid and, when bit 29 is set, rdmsr 0x10a, and reports both on I/O
 * ports. Prints one line and exits:
 *   0  "read visible=1 msr10a=0x… kvm=0x…"   the guest ran (visible=0: KVM cleared the bit)
 *   3  "refused msr10a=0x… kvm=0x…"          KVM_SET_MSRS did not accept the value
 *   1  "error …"                             anything else (no /dev/kvm, a failed ioctl)
 * kvm= is KVM's own value for new guests (KVM_GET_MSRS on /dev/kvm), or "none".
 *
 * hold prints "holding" and sleeps. While any VM exists, creating and closing others flips
 * none of the kernel's static keys that KVM counts (preempt notifiers, vCPUs without an
 * in-kernel APIC), so the kernel does not rewrite its scheduler's code under running CPUs:
 * scripts/vm-e2e.sh needs that under TCG (docs/vm-e2e.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MSR_ARCH_CAPABILITIES 0x10a
#define GUEST_MEM 0x10000
#define GUEST_CODE 0x1000

/* as --32, .code16: cpuid(7,0) -> out 0x12 edx; if edx[29]: rdmsr 0x10a -> out 0x10 eax, out 0x11 edx; hlt */
static const uint8_t guest[] = {
    0x66, 0xb8, 0x07, 0x00, 0x00, 0x00, 0x66, 0x31, 0xc9, 0x0f, 0xa2, 0x66,
    0x89, 0xd0, 0xba, 0x12, 0x00, 0x66, 0xef, 0x66, 0x0f, 0xba, 0xe0, 0x1d,
    0x73, 0x18, 0x66, 0xb9, 0x0a, 0x01, 0x00, 0x00, 0x0f, 0x32, 0x66, 0x89,
    0xd3, 0xba, 0x10, 0x00, 0x66, 0xef, 0x66, 0x89, 0xd8, 0xba, 0x11, 0x00,
    0x66, 0xef, 0xf4,
};

static int fail(const char *what) {
    printf("error %s: %s\n", what, strerror(errno));
    return 1;
}

struct one_msr {
    struct kvm_msrs hdr;
    struct kvm_msr_entry entry;
};

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s VALUE|hidden|hold\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[1], "hold") == 0) {
        int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
        if (kvm < 0) return fail("open /dev/kvm");
        int vm = ioctl(kvm, KVM_CREATE_VM, 0);
        if (vm < 0) return fail("KVM_CREATE_VM");
        if (ioctl(vm, KVM_CREATE_VCPU, 0) < 0) return fail("KVM_CREATE_VCPU");
        printf("holding\n");
        fflush(stdout);
        for (;;) pause();
    }
    int hidden = strcmp(argv[1], "hidden") == 0;
    uint64_t value = hidden ? 0 : strtoull(argv[1], NULL, 16);
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) return fail("open /dev/kvm");

    char kvmdefault[32] = "none";
    struct one_msr feature = {.hdr.nmsrs = 1, .entry.index = MSR_ARCH_CAPABILITIES};
    if (ioctl(kvm, KVM_GET_MSRS, &feature) == 1)
        snprintf(kvmdefault, sizeof kvmdefault, "0x%016llx", (unsigned long long)feature.entry.data);

    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) return fail("KVM_CREATE_VM");
    uint8_t *mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return fail("mmap guest memory");
    memcpy(mem + GUEST_CODE, guest, sizeof guest);
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_MEM, .userspace_addr = (uint64_t)mem};
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) return fail("KVM_SET_USER_MEMORY_REGION");
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) return fail("KVM_CREATE_VCPU");
    int runsize = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (runsize < 0) return fail("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, runsize, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) return fail("mmap kvm_run");

    /* KVM's supported CPUID with the arch-capabilities bit set, as a VMM template would. */
    int n = 256;
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + n * sizeof(struct kvm_cpuid_entry2));
    cpuid->nent = n;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) return fail("KVM_GET_SUPPORTED_CPUID");
    for (unsigned i = 0; i < cpuid->nent; i++)
        if (cpuid->entries[i].function == 7 && cpuid->entries[i].index == 0) {
            if (hidden)
                cpuid->entries[i].edx &= ~(1u << 29);
            else
                cpuid->entries[i].edx |= 1u << 29;
        }
    if (ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0) return fail("KVM_SET_CPUID2");

    struct one_msr set = {.hdr.nmsrs = 1, .entry.index = MSR_ARCH_CAPABILITIES, .entry.data = value};
    if (!hidden && ioctl(vcpu, KVM_SET_MSRS, &set) != 1) {
        printf("refused msr10a=0x%016llx kvm=%s\n", (unsigned long long)value, kvmdefault);
        return 3;
    }

    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) return fail("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) return fail("KVM_SET_SREGS");
    struct kvm_regs regs = {.rip = GUEST_CODE, .rflags = 2};
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) return fail("KVM_SET_REGS");

    uint32_t edx7 = 0, lo = 0, hi = 0;
    for (int steps = 0; steps < 100; steps++) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) return fail("KVM_RUN");
        if (run->exit_reason == KVM_EXIT_HLT) {
            int visible = (edx7 >> 29) & 1;
            if (visible)
                printf("read visible=1 msr10a=0x%08x%08x kvm=%s\n", hi, lo, kvmdefault);
            else
                printf("read visible=0 msr10a=none kvm=%s\n", kvmdefault);
            return 0;
        }
        if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4) {
            printf("error the guest stopped with KVM exit reason %u\n", run->exit_reason);
            return 1;
        }
        uint32_t v;
        memcpy(&v, (uint8_t *)run + run->io.data_offset, 4);
        if (run->io.port == 0x12) edx7 = v;
        if (run->io.port == 0x10) lo = v;
        if (run->io.port == 0x11) hi = v;
    }
    printf("error the guest did not halt\n");
    return 1;
}
