import Testing
@testable import GuestCapCore

/// A snapshot with every verdict "Not affected" unless overridden, RTM present, one CPU.
func snapshot(
    msr: [UInt64?] = [0], vulnerabilities: [String: String] = [:], flags: [String] = ["arch_capabilities", "rtm"],
    vendor: String = "GenuineIntel", l1d: String? = "cond"
) -> HostSnapshot {
    HostSnapshot(
        hostname: "h", machineID: "m", cpu: CPUIdentity(vendor: vendor, flags: flags),
        msr: msr.enumerated().map { i, v in
            v.map { MSRReading(cpu: i, status: .ok, value: $0) }
                ?? MSRReading(cpu: i, status: .absent, error: "absent")
        },
        vulnerabilities: vulnerabilities, vmentryL1dFlush: l1d)
}

func bits(_ names: String...) -> CapabilitySet { try! CapabilitySet(names: names) }

@Suite("KVM synthesis, one test per step of arch-capabilities §3")
struct KVMSynthesisTests {
    @Test("step 2: pschange-mc-no is always set")
    func pschange() {
        let h = HostAssessment(snapshot: snapshot())
        #expect(h.kvmDefault.isSuperset(of: bits("pschange-mc-no")))
        #expect(h.sources[6] == "kvm")
    }

    @Test(
        "step 3: skip-l1dfl-vmentry unless vmentry_l1d_flush is never",
        arguments: [
            ("cond", true), ("always", true), ("auto", true), ("not required", true), ("EPT disabled", true),
            ("never", false),
        ])
    func skipL1d(value: String, expected: Bool) {
        let h = HostAssessment(snapshot: snapshot(l1d: value))
        #expect(h.kvmDefault.contains(bit: 3) == expected)
        #expect(h.justified.contains(bit: 3) == expected)
    }

    @Test("step 3: an absent vmentry_l1d_flush file counts as not never")
    func skipL1dAbsent() {
        #expect(HostAssessment(snapshot: snapshot(l1d: nil)).kvmDefault.contains(bit: 3))
    }

    @Test(
        "step 4: each 'Not affected' verdict synthesizes its bit, anything else does not",
        arguments: [
            ("meltdown", "rdctl-no"), ("spec_store_bypass", "ssb-no"), ("mds", "mds-no"),
            ("reg_file_data_sampling", "rfds-no"), ("indirect_target_selection", "its-no"),
        ])
    func verdicts(file: String, bit: String) {
        let b = bits(bit)
        let immune = HostAssessment(snapshot: snapshot(vulnerabilities: [file: "Not affected"]))
        #expect(immune.kvmDefault.isSuperset(of: b))
        #expect(immune.justified.isSuperset(of: b))
        #expect(immune.sources[b.bitNumbers[0]] == "kernel:\(file)")
        let affected = HostAssessment(
            snapshot: snapshot(vulnerabilities: [file: "Mitigation: Clear CPU buffers; SMT vulnerable"]))
        #expect(!affected.kvmDefault.isSuperset(of: b))
        let unknown = HostAssessment(snapshot: snapshot(vulnerabilities: [:]))
        #expect(!unknown.justified.isSuperset(of: b))
    }

    @Test("step 5: TAA with RTM and 'Not affected' sets taa-no")
    func taaWithRTM() {
        let h = HostAssessment(snapshot: snapshot(vulnerabilities: ["tsx_async_abort": "Not affected"]))
        #expect(h.kvmDefault.isSuperset(of: bits("taa-no")))
    }

    @Test("step 5: without RTM KVM clears taa-no, even the hardware's; J keeps the hardware's")
    func taaWithoutRTM() {
        let hw = bits("taa-no").rawValue
        let h = HostAssessment(
            snapshot: snapshot(
                msr: [hw], vulnerabilities: ["tsx_async_abort": "Not affected"],
                flags: ["arch_capabilities"]))
        #expect(!h.kvmDefault.isSuperset(of: bits("taa-no")))
        #expect(h.justified.isSuperset(of: bits("taa-no")))
        #expect(h.sources[8] == "msr")
        // Without the hardware bit, the kernel's "Not affected" still makes taa-no true (verdict source),
        // though KVM itself does not hand it out.
        let noHW = HostAssessment(snapshot: snapshot(vulnerabilities: ["tsx_async_abort": "Not affected"], flags: []))
        #expect(noHW.justified.isSuperset(of: bits("taa-no")))
        #expect(noHW.sources[8] == "kernel:tsx_async_abort")
        #expect(!noHW.kvmDefault.isSuperset(of: bits("taa-no")))
        let affected = HostAssessment(
            snapshot: snapshot(vulnerabilities: ["tsx_async_abort": "Mitigation: TSX disabled"], flags: []))
        #expect(!affected.justified.isSuperset(of: bits("taa-no")))
    }

    @Test(
        "step 6: gds-no when not affected or mitigated by microcode",
        arguments: [
            ("Not affected", true), ("Mitigation: Microcode", true), ("Mitigation: Microcode (locked)", true),
            ("Vulnerable: No microcode", false), ("Mitigation: AVX disabled, no microcode", false),
        ])
    func gds(verdict: String, expected: Bool) {
        let h = HostAssessment(snapshot: snapshot(vulnerabilities: ["gather_data_sampling": verdict]))
        #expect(h.kvmDefault.isSuperset(of: bits("gds-no")) == expected)
    }

    @Test("kvm_default passes through only KVM_SUPPORTED_ARCH_CAP bits of the hardware")
    func passThrough() {
        // Granite Rapids raw value: bits 10, 11, 12, 16, 21, 23 are not passed through.
        let h = HostAssessment(
            snapshot: snapshot(msr: [0x0da9_fdeb], flags: ["arch_capabilities"], l1d: "not required"))
        #expect(h.kvmDefault.rawValue & ~ArchCapCatalog.kvmSupportedMask == 0)
        #expect(!h.kvmDefault.contains(bit: 10) && h.justified.contains(bit: 10))
    }

    @Test("the live AMD EPYC KVM value is reproduced")
    func amdLive() {
        let verdicts = [
            "meltdown": "Not affected", "mds": "Not affected", "tsx_async_abort": "Not affected",
            "reg_file_data_sampling": "Not affected", "indirect_target_selection": "Not affected",
            "gather_data_sampling": "Not affected", "spec_store_bypass": "Vulnerable",
        ]
        let h = HostAssessment(
            snapshot: snapshot(msr: [nil], vulnerabilities: verdicts, flags: [], vendor: "AuthenticAMD", l1d: nil))
        #expect(h.kvmDefault.rawValue == 0x4000_0000_0c00_0069)
        #expect(h.msrStatus == .absent)
    }

    @Test("policy can turn KVM synthesis and QEMU's fb-clear off; the verdict source stays")
    func switches() {
        let verdicts = ["mds": "Not affected", "gather_data_sampling": "Mitigation: Microcode"]
        let on = HostAssessment(snapshot: snapshot(vulnerabilities: verdicts))
        let off = HostAssessment(
            snapshot: snapshot(vulnerabilities: verdicts), options: JustificationOptions(kvmSynthesis: false))
        #expect(on.justified.isSuperset(of: bits("mds-no", "pschange-mc-no", "gds-no")))
        #expect(off.justified.isDisjoint(with: bits("pschange-mc-no", "gds-no")))
        #expect(off.justified.isSuperset(of: bits("mds-no")), "mds: Not affected is a verdict, always on")
        #expect(off.sources[5] == "kernel:mds")
        #expect(off.kvmDefault == on.kvmDefault)
    }

    @Test("QEMU fb-clear needs all five MDS/MMIO immunity bits")
    func fbClear() {
        let five = bits("mds-no", "taa-no", "sbdr-ssdp-no", "fbsdp-no", "psdp-no").rawValue
        let h = HostAssessment(snapshot: snapshot(msr: [five]))
        #expect(h.justified.isSuperset(of: bits("fb-clear")) && h.sources[17] == "qemu")
        let four = HostAssessment(snapshot: snapshot(msr: [five & ~bits("psdp-no").rawValue]))
        #expect(!four.justified.isSuperset(of: bits("fb-clear")))
        let off = HostAssessment(snapshot: snapshot(msr: [five]), options: JustificationOptions(qemuFbClear: false))
        #expect(!off.justified.isSuperset(of: bits("fb-clear")))
    }
}

@Suite("Combining CPUs")
struct CPUCombinationTests {
    @Test("immunity, mitigation and control bits count only when every CPU has them")
    func andAcrossCPUs() {
        let h = HostAssessment(snapshot: snapshot(msr: [0xab, 0xab, 0x2b]))
        #expect(h.msrStatus == .inconsistent)
        #expect(h.hardware.rawValue == 0x2b)
        #expect(h.disagreement.count == 2)
        #expect(h.disagreement.first { $0.value == 0x2b }?.cpus == [2])
    }

    @Test("disclosure bits count when any CPU has them")
    func orDisclosure() {
        let rsba = bits("rsba").rawValue
        let rrsba = bits("rrsba").rawValue
        let h = HostAssessment(snapshot: snapshot(msr: [0x1 | rsba, 0x1 | rrsba]))
        #expect(h.hardware == CapabilitySet(rawValue: 0x1 | rsba | rrsba))
    }

    @Test("CPUs that agree give status ok")
    func agree() {
        let h = HostAssessment(snapshot: snapshot(msr: [0xab, 0xab, 0xab, 0xab]))
        #expect(h.msrStatus == .ok && h.hardware.rawValue == 0xab && h.disagreement.isEmpty)
    }

    @Test("a CPU without the MSR next to CPUs with it is a disagreement, counted as 0")
    func absentAndPresent() {
        let h = HostAssessment(snapshot: snapshot(msr: [0xab, nil]))
        #expect(h.msrStatus == .inconsistent && h.hardware.rawValue == 0)
    }

    @Test("an unreadable CPU makes the host unreadable with hw = 0 and a note on what to do")
    func unreadable() {
        var s = snapshot(msr: [0xab])
        s.msr.append(MSRReading(cpu: 1, status: .moduleNotLoaded, error: "no msr"))
        let h = HostAssessment(snapshot: s)
        #expect(h.msrStatus == .unreadable && h.hardware.isEmpty)
        #expect(h.notes.contains { $0.contains("modprobe msr") })
        var p = snapshot(msr: [])
        p.msr = [
            MSRReading(
                cpu: 0, status: .permissionDenied,
                error: "/dev/cpu/0/msr: permission denied: run as root or grant CAP_SYS_RAWIO")
        ]
        #expect(HostAssessment(snapshot: p).notes.contains { $0.contains("CAP_SYS_RAWIO") })
    }

    @Test("no arch_capabilities flag is reported beside an unreadable device")
    func bothFacts() {
        var s = snapshot(msr: [], flags: [], vendor: "AuthenticAMD")
        s.msr = [MSRReading(cpu: 0, status: .moduleNotLoaded, error: "no msr")]
        let notes = HostAssessment(snapshot: s).notes
        #expect(notes.contains { $0.contains("modprobe msr") })
        #expect(notes.contains { $0.contains("does not enumerate") && $0.contains("AuthenticAMD") })
    }
}
