import Testing
@testable import GuestCapCore

/// Expected MSR 0x10a bits of every QEMU x86 model version, written out in full per version
/// (not as per-version additions, as the catalog stores them) from QEMU's target/i386/cpu.c.
private struct Expected: Sendable, CustomTestStringConvertible {
    let model: String
    let versions: ClosedRange<Int>
    let visible: Bool
    let bits: [String]

    var testDescription: String { "\(model)-v\(versions.lowerBound)…v\(versions.upperBound)" }
    var names: [String] { versions.map { "\(model)-v\($0)" } }
}

private func hidden(_ model: String, _ versions: ClosedRange<Int> = 1...1) -> Expected {
    Expected(model: model, versions: versions, visible: false, bits: [])
}

private func shown(_ model: String, _ versions: ClosedRange<Int>, _ bits: String) -> Expected {
    Expected(model: model, versions: versions, visible: true, bits: bits.split(separator: " ").map(String.init))
}

private let expectations: [Expected] = [
    hidden("qemu64"), hidden("phenom"), hidden("core2duo"), hidden("kvm64"), hidden("qemu32"),
    hidden("kvm32"), hidden("coreduo"), hidden("486"), hidden("pentium"), hidden("pentium2"),
    hidden("pentium3"), hidden("athlon"), hidden("n270"), hidden("Conroe"), hidden("Penryn"),
    hidden("Nehalem", 1...2), hidden("Westmere", 1...2), hidden("SandyBridge", 1...2), hidden("IvyBridge", 1...2),
    hidden("Haswell", 1...4), hidden("Broadwell", 1...4), hidden("Skylake-Client", 1...4),
    hidden("Skylake-Server", 1...6),
    hidden("Cascadelake-Server"),
    shown("Cascadelake-Server", 2...5, "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no"),
    shown(
        "Cascadelake-Server", 6...7,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no sbdr-ssdp-no psdp-no fb-clear gds-no rfds-no"),
    shown("Cooperlake", 1...2, "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no"),
    hidden("Icelake-Server", 1...2),
    shown("Icelake-Server", 3...7, "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no"),
    shown(
        "Icelake-Server", 8...9,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no "
            + "sbdr-ssdp-no psdp-no fb-clear gds-no rfds-no"),
    shown("SapphireRapids", 1...1, "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no"),
    shown(
        "SapphireRapids", 2...5,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no"),
    shown(
        "SapphireRapids", 6...6,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no its-no"),
    shown(
        "SapphireRapids", 7...8,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no gds-no rfds-no its-no"),
    shown(
        "GraniteRapids", 1...4,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no pbrsb-no"),
    shown(
        "GraniteRapids", 5...5,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no pbrsb-no its-no"),
    shown(
        "GraniteRapids", 6...7,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no pbrsb-no gds-no rfds-no its-no"),
    shown(
        "DiamondRapids", 1...2,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no taa-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no bhi-no pbrsb-no gds-no rfds-no"),
    shown(
        "SierraForest", 1...1,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no pbrsb-no"),
    shown(
        "SierraForest", 2...4,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no pbrsb-no gds-no rfds-no"),
    shown(
        "SierraForest", 5...6,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no pbrsb-no gds-no rfds-no its-no"),
    shown(
        "ClearwaterForest", 1...2,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no bhi-no pbrsb-no gds-no rfds-no"),
    shown(
        "ClearwaterForest", 3...4,
        "rdctl-no ibrs-all skip-l1dfl-vmentry mds-no pschange-mc-no "
            + "sbdr-ssdp-no fbsdp-no psdp-no bhi-no pbrsb-no gds-no rfds-no its-no"),
    shown("Denverton", 1...3, "rdctl-no skip-l1dfl-vmentry"),
    shown("Snowridge", 1...4, ""),
    hidden("KnightsMill"),
    hidden("Opteron_G1"), hidden("Opteron_G2"), hidden("Opteron_G3"), hidden("Opteron_G4"), hidden("Opteron_G5"),
    hidden("EPYC", 1...5), hidden("Dhyana", 1...2), hidden("EPYC-Rome", 1...5), hidden("EPYC-Milan", 1...4),
    hidden("EPYC-Genoa", 1...3),
    shown("YongFeng", 1...3, "rdctl-no skip-l1dfl-vmentry ssb-no mds-no pschange-mc-no"),
    hidden("EPYC-Turin", 1...2),
    hidden("Icelake-Client", 1...3),
]

/// Every alias QEMU registers (and the removed Icelake-Client's), with the version it names.
private let expectedAliases: [String: String] = [
    "Nehalem-IBRS": "Nehalem-v2", "Westmere-IBRS": "Westmere-v2", "SandyBridge-IBRS": "SandyBridge-v2",
    "IvyBridge-IBRS": "IvyBridge-v2",
    "Haswell-noTSX": "Haswell-v2", "Haswell-IBRS": "Haswell-v3", "Haswell-noTSX-IBRS": "Haswell-v4",
    "Broadwell-noTSX": "Broadwell-v2", "Broadwell-IBRS": "Broadwell-v3", "Broadwell-noTSX-IBRS": "Broadwell-v4",
    "Skylake-Client-IBRS": "Skylake-Client-v2", "Skylake-Client-noTSX-IBRS": "Skylake-Client-v3",
    "Skylake-Server-IBRS": "Skylake-Server-v2", "Skylake-Server-noTSX-IBRS": "Skylake-Server-v3",
    "Cascadelake-Server-noTSX": "Cascadelake-Server-v3", "Icelake-Server-noTSX": "Icelake-Server-v2",
    "EPYC-IBPB": "EPYC-v2", "Icelake-Client-noTSX": "Icelake-Client-v2",
]

@Suite("QEMU CPU model catalog")
struct CPUModelCatalogTests {
    @Test("every model version has the bits and visibility QEMU gives it", arguments: expectations)
    fileprivate func version(_ e: Expected) throws {
        let bits = try CapabilitySet(names: e.bits)
        for v in e.versions {
            let m = try #require(CPUModelCatalog.model(named: "\(e.model)-v\(v)"), "\(e.model)-v\(v) is missing")
            #expect(m.bits == bits, "\(m.canonicalName): \(m.bits) instead of \(bits)")
            #expect(m.visible == e.visible, "\(m.canonicalName) visibility")
            #expect(m.model == e.model)
            #expect(m.version == v)
        }
    }

    @Test("the catalog has exactly the versions QEMU has, no more")
    func noExtraVersions() {
        let expected = expectations.flatMap(\.names)
        #expect(CPUModelCatalog.allModelVersions.map(\.canonicalName) == expected)
        #expect(Set(expected).count == 126)
        #expect(CPUModelCatalog.modelNames.count == 47)
        #expect(CPUModelCatalog.removedModelNames == ["Icelake-Client"])
    }

    @Test("a few values as hex, checked against the reference's bit numbers")
    func hexSpotChecks() {
        #expect(CPUModelCatalog.model(named: "Cascadelake-Server-v2")?.bits.hex == "0x000000000000002b")
        #expect(CPUModelCatalog.model(named: "SapphireRapids-v1")?.bits.hex == "0x000000000000016b")
        #expect(CPUModelCatalog.model(named: "YongFeng")?.bits.hex == "0x0000000000000079")
        #expect(CPUModelCatalog.model(named: "Denverton")?.bits.hex == "0x0000000000000009")
        #expect(CPUModelCatalog.model(named: "ClearwaterForest-v3")?.bits.contains(bit: 62) == true)
    }

    @Test("every alias resolves to the version QEMU registers it for")
    func aliases() throws {
        #expect(CPUModelCatalog.aliasTargets == expectedAliases)
        for (alias, target) in expectedAliases {
            let viaAlias = try #require(CPUModelCatalog.model(named: alias))
            #expect(viaAlias == CPUModelCatalog.model(named: target), "\(alias)")
            #expect(viaAlias.canonicalName == target)
        }
        // The noTSX alias of Cascade Lake is v3, which has the v2 bits.
        #expect(
            CPUModelCatalog.model(named: "Cascadelake-Server-noTSX")?.bits.names
                == ["rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no"])
        // Aliases mean one version whatever the machine type.
        #expect(CPUModelCatalog.model(named: "Haswell-noTSX", unversioned: .latest)?.canonicalName == "Haswell-v2")
    }

    @Test("an unversioned name is v1 by default and the newest version when asked")
    func unversioned() {
        for name in CPUModelCatalog.modelNames {
            #expect(CPUModelCatalog.model(named: name)?.canonicalName == "\(name)-v1")
            let newest = expectations.filter { $0.model == name }.map(\.versions.upperBound).max() ?? 0
            #expect(CPUModelCatalog.model(named: name, unversioned: .latest)?.canonicalName == "\(name)-v\(newest)")
        }
        // microvm's Cascadelake-Server has bits; pc's has none and hides the MSR.
        #expect(CPUModelCatalog.model(named: "Cascadelake-Server")?.visible == false)
        #expect(
            CPUModelCatalog.model(named: "Cascadelake-Server", unversioned: .latest)?.bits.names.contains("gds-no")
                == true)
        // A versioned name means that version on every machine type.
        #expect(CPUModelCatalog.model(named: "Icelake-Server-v3", unversioned: .latest)?.version == 3)
    }

    @Test(
        "names QEMU does not know are nil",
        arguments: [
            "", "Zen9-Server", "PantherLake-Server", "host", "max", "base", "cpu64-rhel6",
            "Haswell-v0", "Haswell-v5", "Haswell-v01", "Haswell-v", "Haswell-v-1", "Haswell-v+2", "-v1",
            "Cascadelake-Server-v8", "SapphireRapids-v9", "Haswell-noTSX-v1", "Conroe-IBRS", "Skylake-Server-noTSX",
            " Haswell", "Haswell ", "Haswell-", "kvm64-v2",
        ])
    func unknown(_ name: String) {
        #expect(CPUModelCatalog.model(named: name) == nil)
        #expect(CPUModelCatalog.model(named: name, unversioned: .latest) == nil)
    }

    @Test(
        "names are matched with their case, as QEMU matches them",
        arguments: [
            "haswell", "HASWELL", "Haswell-V2", "cascadelake-server", "haswell-notsx", "Epyc", "yongfeng", "QEMU64",
        ])
    func caseSensitive(_ name: String) {
        #expect(CPUModelCatalog.model(named: name) == nil)
    }
}
