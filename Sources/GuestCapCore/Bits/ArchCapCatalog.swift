/// The table of every defined bit of MSR 0x10a, with lookups by number and name.
public enum ArchCapCatalog {
    /// The MSR index of IA32_ARCH_CAPABILITIES.
    public static let msrIndex: UInt32 = 0x10a

    /// Bits KVM passes through from the host (KVM_SUPPORTED_ARCH_CAP).
    public static let kvmSupportedMask: UInt64 = 0x4000_0000_1d1a_e1ff

    /// The sysfs vulnerability file whose verdict decides whether a "_NO" bit is true.
    public static let verdictFile: [String: String] = [
        "rdctl-no": "meltdown", "ssb-no": "spec_store_bypass", "mds-no": "mds", "taa-no": "tsx_async_abort",
        "rfds-no": "reg_file_data_sampling", "its-no": "indirect_target_selection",
        "gds-no": "gather_data_sampling", "sbdr-ssdp-no": "mmio_stale_data", "fbsdp-no": "mmio_stale_data",
        "psdp-no": "mmio_stale_data", "pbrsb-no": "spectre_v2", "bhi-no": "spectre_v2",
        "pschange-mc-no": "itlb_multihit",
    ]

    /// Every defined bit, by bit number.
    public static let defined: [ArchCapBit] = [
        bit(0, "RDCL_NO", "rdctl-no", .immunity, true, "not affected by Meltdown (rogue data cache load)"),
        bit(1, "IBRS_ALL", "ibrs-all", .mitigation, true, "enhanced IBRS available"),
        bit(2, "RSBA", "rsba", .disclosure, true, "RET may be predicted from the BTB (alternate predictors)"),
        bit(
            3, "SKIP_VMENTRY_L1DFLUSH", "skip-l1dfl-vmentry", .mitigation, true,
            "a nested hypervisor need not flush L1D on VM entry"),
        bit(4, "SSB_NO", "ssb-no", .immunity, true, "not affected by Speculative Store Bypass"),
        bit(5, "MDS_NO", "mds-no", .immunity, true, "not affected by MDS"),
        bit(
            6, "PSCHANGE_MC_NO", "pschange-mc-no", .immunity, true,
            "no machine check on page-size change (iTLB multihit)"),
        bit(7, "TSX_CTRL_MSR", "tsx-ctrl", .control, true, "IA32_TSX_CTRL exists"),
        bit(8, "TAA_NO", "taa-no", .immunity, true, "not affected by TSX Async Abort"),
        bit(9, "MCU_CONTROL", "mcu-control", .control, false, "IA32_MCU_CONTROL exists"),
        bit(10, "MISC_PACKAGE_CTRLS", "misc-package-ctrls", .control, false, "IA32_MISC_PACKAGE_CTLS exists"),
        bit(11, "ENERGY_FILTERING_CTL", "energy-filtering-ctl", .control, false, "energy filtering control exists"),
        bit(12, "DOITM", "doitm", .control, false, "data operand independent timing mode"),
        bit(13, "SBDR_SSDP_NO", "sbdr-ssdp-no", .immunity, true, "not affected by MMIO stale data SBDR/SSDP"),
        bit(14, "FBSDP_NO", "fbsdp-no", .immunity, true, "not affected by MMIO stale data FBSDP"),
        bit(15, "PSDP_NO", "psdp-no", .immunity, true, "not affected by MMIO stale data PSDP"),
        bit(16, "MCU_ENUM", "mcu-enum", .control, false, "microcode update enumeration MSR exists"),
        bit(17, "FB_CLEAR", "fb-clear", .mitigation, true, "VERW clears CPU fill buffers"),
        bit(18, "FB_CLEAR_CTRL", "fb-clear-ctrl", .control, false, "MCU_OPT_CTRL.FB_CLEAR_DIS exists"),
        bit(19, "RRSBA", "rrsba", .disclosure, true, "RET may use predictors other than the RSB"),
        bit(20, "BHI_NO", "bhi-no", .immunity, true, "not affected by Branch History Injection"),
        bit(21, "XAPIC_DISABLE", "xapic-disable", .control, false, "IA32_XAPIC_DISABLE_STATUS exists"),
        bit(23, "OVERCLOCKING_STATUS", "overclocking-status", .control, false, "overclocking status MSR exists"),
        bit(24, "PBRSB_NO", "pbrsb-no", .immunity, true, "not affected by post-barrier RSB predictions"),
        bit(25, "GDS_CTRL", "gds-ctrl", .control, false, "affected by GDS and mitigation controls exist"),
        bit(26, "GDS_NO", "gds-no", .immunity, true, "not affected by Gather Data Sampling"),
        bit(27, "RFDS_NO", "rfds-no", .immunity, true, "not affected by Register File Data Sampling"),
        bit(28, "RFDS_CLEAR", "rfds-clear", .mitigation, true, "VERW clears the register file"),
        bit(62, "ITS_NO", "its-no", .immunity, true, "not affected by Indirect Target Selection"),
    ]

    /// All 64 bits, reserved ones named `bit<N>`; index is the bit number.
    public static let all: [ArchCapBit] = {
        var table = (0..<64).map {
            ArchCapBit(
                number: $0, kernelName: nil, name: "bit\($0)", bitClass: .reserved,
                kvmPassThrough: false, meaning: "reserved")
        }
        for b in defined { table[b.number] = b }
        return table
    }()

    /// Names that are accepted on input and mean a canonical bit (libvirt and kernel spellings).
    private static let byName: [String: Int] = {
        var map: [String: Int] = [:]
        for b in all {
            map[b.name] = b.number
            if let k = b.kernelName {
                map[k.lowercased()] = b.number
                map[k.lowercased().replacingUnderscores()] = b.number
            }
        }
        return map
    }()

    /// The bit with this number (0...63).
    public static func bit(_ number: Int) -> ArchCapBit { all[number] }

    /// The bit a name means: canonical (`mds-no`), kernel (`MDS_NO`), or `bitN`, in any case;
    /// nil if unknown.
    public static func bit(named name: String) -> ArchCapBit? {
        // Parsers hand over lower-case names: look them up as they are, and lowercase (which
        // allocates) only names with upper-case or non-ASCII characters.
        if let n = byName[name] { return all[n] }
        let key = name.isASCIIWithoutUppercase ? name : name.lowercased()
        if key != name, let n = byName[key] { return all[n] }
        if key.hasPrefix("bit"), let n = Int(key.dropFirst(3)), (0..<64).contains(n),
            String(n) == key.dropFirst(3)
        {
            return all[n]
        }
        return nil
    }

    /// Whether a feature name is the CPUID bit that gates the whole MSR (with libvirt's old alias).
    public static func isVisibilityFeature(_ name: String) -> Bool {
        name == "arch-capabilities" || name == "arch-facilities"
    }

    /// The mask of all bits of one class.
    public static func mask(of bitClass: BitClass) -> UInt64 {
        all.reduce(0) { $1.bitClass == bitClass ? $0 | $1.mask : $0 }
    }

    private static func bit(
        _ n: Int, _ kernel: String, _ name: String, _ cls: BitClass,
        _ kvm: Bool, _ meaning: String
    ) -> ArchCapBit {
        ArchCapBit(number: n, kernelName: kernel, name: name, bitClass: cls, kvmPassThrough: kvm, meaning: meaning)
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }

    /// Whether the string is ASCII without A-Z, so that `lowercased()` would return it unchanged.
    fileprivate var isASCIIWithoutUppercase: Bool {
        utf8.allSatisfy { $0 < 0x80 && !(UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
    }
}
