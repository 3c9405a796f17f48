import Foundation
import Testing
import GuestCapCore
@testable import GuestCapSources

@Suite("Host probe on temporary host roots")
struct HostProbeTests {
    @Test("reads every CPU's MSR at 0x10a, cpuinfo, verdicts, l1d flush and identity")
    func readsEverything() {
        let t = HostTree()
        t.write("sys/devices/system/cpu/online", "0-1\n")
        // 0xa3: rdctl-no, ibrs-all, mds-no, tsx-ctrl; no skip-l1dfl-vmentry from the hardware.
        t.msr(cpu: 0, 0xa3)
        t.msr(cpu: 1, 0xa3)
        t.cpuinfo(cpus: 2)
        t.verdict("mds", "Not affected")
        t.verdict("tsx_async_abort", "Mitigation: Clear CPU buffers; SMT vulnerable")
        t.write("sys/module/kvm_intel/parameters/vmentry_l1d_flush", "never\n")
        t.write("etc/hostname", "kvm-01\n")
        t.write("etc/machine-id", "0123456789abcdef0123456789abcdef\n")
        t.write("proc/sys/kernel/osrelease", "6.1.0-28-amd64\n")
        let s = HostProbe(root: HostRoot(t.root)).snapshot()
        #expect(s.msr.map(\.value) == [0xa3, 0xa3])
        #expect(
            s.hostname == "kvm-01" && s.machineID == "0123456789abcdef0123456789abcdef" && s.kernel == "6.1.0-28-amd64")
        #expect(s.cpu.family == 6 && s.cpu.model == 85 && s.cpu.stepping == 7 && s.cpu.microcode == "0x5003707")
        #expect(s.cpu.flags == ["arch_capabilities", "rtm"])
        #expect(
            s.vulnerabilities == [
                "mds": "Not affected", "tsx_async_abort": "Mitigation: Clear CPU buffers; SMT vulnerable",
            ])
        #expect(s.vmentryL1dFlush == "never")
        #expect(s.kvmReported == nil, "KVM is asked only on the real host")
        let h = HostAssessment(snapshot: s)
        #expect(h.msrStatus == .ok && !h.kvmDefault.contains(bit: 3))
    }

    @Test("a file shorter than 0x112 bytes is a CPU without the MSR (as EIO)")
    func shortRead() {
        let t = HostTree()
        t.msr(cpu: 0, nil)
        let s = HostProbe(root: HostRoot(t.root)).snapshot()
        #expect(s.msr.first?.status == .absent)
        #expect(s.msr.first?.error?.contains("does not implement") == true)
        #expect(HostAssessment(snapshot: s).msrStatus == .absent)
    }

    @Test("dev/cpu/N/ without msr: the module is not loaded, and the message says modprobe msr")
    func moduleNotLoaded() {
        let t = HostTree()
        t.cpuFolderWithoutMSR(0)
        t.verdict("mds", "Not affected")
        let s = HostProbe(root: HostRoot(t.root)).snapshot()
        #expect(s.msr.first?.status == .moduleNotLoaded)
        #expect(s.msr.first?.error?.contains("modprobe msr") == true)
        let h = HostAssessment(snapshot: s)
        #expect(h.msrStatus == .unreadable)
        #expect(h.justified.isSuperset(of: try! CapabilitySet(names: ["mds-no"])), "kernel verdicts still justify")
    }

    @Test("the CPU list comes from sys/.../online, else from dev/cpu folders")
    func cpuList() {
        let t = HostTree()
        t.write("sys/devices/system/cpu/online", "0,2-3\n")
        for c in [0, 2, 3] { t.msr(cpu: c, 0x2b) }
        #expect(HostProbe(root: HostRoot(t.root)).snapshot().msr.map(\.cpu) == [0, 2, 3])
        let u = HostTree()
        for c in [0, 1] { u.msr(cpu: c, 0x2b) }
        #expect(HostProbe(root: HostRoot(u.root)).snapshot().msr.map(\.cpu) == [0, 1])
    }

    @Test("neither a CPU list nor dev/cpu: unreadable, and the error names both paths")
    func noCPUs() {
        let t = HostTree()
        let s = HostProbe(root: HostRoot(t.root)).snapshot()
        #expect(s.msr.isEmpty)
        #expect(s.msrProbeError?.contains("sys/devices/system/cpu/online") == true)
        #expect(HostAssessment(snapshot: s).msrStatus == .unreadable)
    }

    @Test("CPUs that disagree are reported with their CPU numbers")
    func disagree() {
        let t = HostTree()
        t.msr(cpu: 0, 0xab)
        t.msr(cpu: 1, 0xab)
        t.msr(cpu: 2, 0x2b)
        let h = HostAssessment(snapshot: HostProbe(root: HostRoot(t.root)).snapshot())
        #expect(h.msrStatus == .inconsistent)
        #expect(HostTextRenderer.render(h).contains("0x000000000000002b on CPU 2"))
        let findings = PolicyEngine(now: Date()).hostFindings(h)
        #expect(findings.map(\.rule) == [.hostMSRInconsistent])
        #expect(findings.first?.bits.names == ["tsx-ctrl"])
    }

    @Test("a snapshot survives the JSON round trip through the host document")
    func roundTrip() throws {
        let t = HostTree()
        t.msr(cpu: 0, 0xab)
        t.msr(cpu: 1, nil)
        t.cpuinfo()
        t.verdict("mds", "Not affected")
        let s = HostProbe(root: HostRoot(t.root)).snapshot()
        let data = try ReportCoding.encoder().encode(HostDocument(HostAssessment(snapshot: s)))
        let back = try SnapshotFile.decode(data, path: "x.json")
        #expect(back == s)
        #expect(throws: SnapshotFile.LoadError.self) { try SnapshotFile.decode(Data("{}".utf8), path: "bad.json") }
    }
}
