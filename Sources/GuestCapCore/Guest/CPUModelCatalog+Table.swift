// Facts read from QEMU's target/i386/cpu.c (the builtin x86 model list): QEMU master of 2026,
// 11.0 development, at commit 2b70121653b2037e551677377f92ca4623f8d4ff of a mirror tracking it
// (46 models, 123 versions, 17 aliases). It is newer than the reference's ece40881 (104
// versions): it adds the its-no versions and the GDS/RFDS, MMIO and MBEC versions after them.
// Only facts about MSR 0x10a are kept: which versions exist, which aliases name them, and at
// which version each bit or the arch-capabilities CPUID bit is switched on. No version of any
// model switches one off again.

extension CPUModelCatalog {
    /// One model: how many versions it has and what each version adds to the one before it.
    struct Definition: Sendable {
        let name: String
        let versions: Int
        /// Version → bit names it turns on; `arch-capabilities` is the CPUID bit that shows the MSR.
        let additions: [Int: [String]]
        /// Alias name → version.
        let aliases: [String: Int]
        /// The QEMU release that dropped the model, for models kept for older configurations.
        let removedIn: String?

        init(
            _ name: String, versions: Int = 1, additions: [Int: [String]] = [:], aliases: [String: Int] = [:],
            removedIn: String? = nil
        ) {
            self.name = name
            self.versions = versions
            self.additions = additions
            self.aliases = aliases
            self.removedIn = removedIn
        }
    }

    private static let cpuid = "arch-capabilities"
    private static let skylakeGeneration = ["rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no"]
    private static let noTAA = skylakeGeneration + ["pschange-mc-no", "taa-no"]
    private static let noMMIO = ["sbdr-ssdp-no", "fbsdp-no", "psdp-no"]
    /// What the "MMIO/GDS/RFDS mitigation status" versions add (fbsdp-no is not among them).
    private static let mitigationStatus = ["fb-clear", "gds-no", "psdp-no", "rfds-no", "sbdr-ssdp-no"]
    private static let gdsRFDS = ["gds-no", "rfds-no"]

    static let definitions: [Definition] = [
        Definition("qemu64"), Definition("phenom"), Definition("core2duo"), Definition("kvm64"),
        Definition("qemu32"), Definition("kvm32"), Definition("coreduo"), Definition("486"),
        Definition("pentium"), Definition("pentium2"), Definition("pentium3"), Definition("athlon"),
        Definition("n270"), Definition("Conroe"), Definition("Penryn"),
        Definition("Nehalem", versions: 2, aliases: ["Nehalem-IBRS": 2]),
        Definition("Westmere", versions: 2, aliases: ["Westmere-IBRS": 2]),
        Definition("SandyBridge", versions: 2, aliases: ["SandyBridge-IBRS": 2]),
        Definition("IvyBridge", versions: 2, aliases: ["IvyBridge-IBRS": 2]),
        Definition(
            "Haswell", versions: 4,
            aliases: ["Haswell-noTSX": 2, "Haswell-IBRS": 3, "Haswell-noTSX-IBRS": 4]),
        Definition(
            "Broadwell", versions: 4,
            aliases: ["Broadwell-noTSX": 2, "Broadwell-IBRS": 3, "Broadwell-noTSX-IBRS": 4]),
        Definition(
            "Skylake-Client", versions: 4,
            aliases: ["Skylake-Client-IBRS": 2, "Skylake-Client-noTSX-IBRS": 3]),
        Definition(
            "Skylake-Server", versions: 6,
            aliases: ["Skylake-Server-IBRS": 2, "Skylake-Server-noTSX-IBRS": 3]),
        Definition(
            "Cascadelake-Server", versions: 7,
            additions: [2: [cpuid] + skylakeGeneration, 6: mitigationStatus],
            aliases: ["Cascadelake-Server-noTSX": 3]),
        Definition("Cooperlake", versions: 2, additions: [1: [cpuid] + noTAA]),
        Definition(
            "Icelake-Server", versions: 9, additions: [3: [cpuid] + noTAA, 8: mitigationStatus],
            aliases: ["Icelake-Server-noTSX": 2]),
        Definition(
            "SapphireRapids", versions: 8,
            additions: [1: [cpuid] + noTAA, 2: noMMIO, 6: ["its-no"], 7: gdsRFDS]),
        Definition(
            "GraniteRapids", versions: 7,
            additions: [1: [cpuid] + noTAA + noMMIO + ["pbrsb-no"], 5: ["its-no"], 6: gdsRFDS]),
        Definition(
            "DiamondRapids", versions: 2,
            additions: [1: [cpuid] + noTAA + noMMIO + ["bhi-no", "pbrsb-no"] + gdsRFDS]),
        Definition(
            "SierraForest", versions: 6,
            additions: [
                1: [cpuid] + skylakeGeneration + ["pschange-mc-no"] + noMMIO + ["pbrsb-no"],
                2: gdsRFDS, 5: ["its-no"],
            ]),
        Definition(
            "ClearwaterForest", versions: 4,
            additions: [
                1: [cpuid] + skylakeGeneration + ["pschange-mc-no"] + noMMIO
                    + ["bhi-no", "pbrsb-no"] + gdsRFDS,
                3: ["its-no"],
            ]),
        Definition("Denverton", versions: 3, additions: [1: [cpuid, "rdctl-no", "skip-l1dfl-vmentry"]]),
        Definition("Snowridge", versions: 4, additions: [1: [cpuid]]),
        Definition("KnightsMill"),
        Definition("Opteron_G1"), Definition("Opteron_G2"), Definition("Opteron_G3"),
        Definition("Opteron_G4"), Definition("Opteron_G5"),
        Definition("EPYC", versions: 5, aliases: ["EPYC-IBPB": 2]),
        Definition("Dhyana", versions: 2),
        Definition("EPYC-Rome", versions: 5),
        Definition("EPYC-Milan", versions: 4),
        Definition("EPYC-Genoa", versions: 3),
        Definition(
            "YongFeng", versions: 3,
            additions: [1: [cpuid, "rdctl-no", "skip-l1dfl-vmentry", "ssb-no", "mds-no", "pschange-mc-no"]]),
        Definition("EPYC-Turin", versions: 2),
        // Removed from QEMU 7.1; its three versions never had arch-capabilities.
        Definition("Icelake-Client", versions: 3, aliases: ["Icelake-Client-noTSX": 2], removedIn: "7.1"),
    ]
}
