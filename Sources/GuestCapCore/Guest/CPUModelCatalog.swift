/// QEMU's named x86 CPU models and the MSR 0x10a bits each version turns on
/// (arch-capabilities reference §4). libvirt uses the unversioned names, which mean v1.
public enum CPUModelCatalog {
    /// A family's versions: each entry is (first version, last version, bit names, visible).
    private struct Family {
        let versions: [(ClosedRange<Int>, [String], Bool)]
        var maxVersion: Int { versions.map(\.0.upperBound).max() ?? 1 }
    }

    private static let base = ["rdctl-no", "ibrs-all", "skip-l1dfl-vmentry", "mds-no"]
    private static let plusTAA = base + ["pschange-mc-no", "taa-no"]
    private static let mmio = ["sbdr-ssdp-no", "fbsdp-no", "psdp-no"]
    private static let granite = plusTAA + mmio + ["pbrsb-no"]
    private static let sierra = base + ["pschange-mc-no"] + mmio + ["pbrsb-no"]
    private static let clearwater = sierra + ["bhi-no", "gds-no", "rfds-no"]

    private static let families: [String: Family] = [
        "Cascadelake-Server": Family(versions: [(1...1, [], false), (2...5, base, true)]),
        "Cooperlake": Family(versions: [(1...2, plusTAA, true)]),
        "Icelake-Server": Family(versions: [(1...2, [], false), (3...7, plusTAA, true)]),
        "SapphireRapids": Family(versions: [(1...1, plusTAA, true), (2...5, plusTAA + mmio, true),
                                            (6...6, plusTAA + mmio + ["its-no"], true)]),
        "GraniteRapids": Family(versions: [(1...4, granite, true), (5...5, granite + ["its-no"], true)]),
        "SierraForest": Family(versions: [(1...1, sierra, true), (2...4, sierra + ["gds-no", "rfds-no"], true),
                                          (5...5, sierra + ["gds-no", "rfds-no", "its-no"], true)]),
        "ClearwaterForest": Family(versions: [(1...2, clearwater, true), (3...3, clearwater + ["its-no"], true)]),
        "DiamondRapids": Family(versions: [(1...1, plusTAA + mmio + ["bhi-no", "pbrsb-no", "gds-no", "rfds-no"], true)]),
        "Denverton": Family(versions: [(1...3, ["rdctl-no", "skip-l1dfl-vmentry"], true)]),
        "Snowridge": Family(versions: [(1...4, [], true)]),
    ]

    /// Models whose every version has no arch-capabilities bits and hides the MSR.
    private static let withoutArchCapabilities: Set<String> = [
        "486", "pentium", "pentium2", "pentium3", "athlon", "n270", "coreduo", "core2duo", "kvm32", "kvm64",
        "qemu32", "qemu64", "phenom", "Conroe", "Penryn", "Nehalem", "Westmere", "SandyBridge", "IvyBridge",
        "Haswell", "Broadwell", "Skylake-Client", "Skylake-Server", "Icelake-Client", "KnightsMill",
        "Opteron_G1", "Opteron_G2", "Opteron_G3", "Opteron_G4", "Opteron_G5",
        "EPYC", "EPYC-IBPB", "EPYC-Rome", "EPYC-Milan", "EPYC-Genoa", "EPYC-Turin", "Dhyana", "YongFeng",
    ]

    /// Alias names that stand for a version of another model.
    private static let aliases: [String: (String, Int)] = [
        "Cascadelake-Server-noTSX": ("Cascadelake-Server", 3),
        "Icelake-Server-noTSX": ("Icelake-Server", 2),
    ]

    /// Suffixes of old alias names that carry no arch-capabilities bits (`Skylake-Server-IBRS`).
    private static let plainSuffixes = ["-noTSX-IBRS", "-IBRS", "-noTSX", "-IBPB"]

    /// Resolves a model name as QEMU or libvirt spells it; nil when guestcap does not know it.
    public static func model(named name: String) -> CPUModel? {
        if let (family, version) = aliases[name] { return resolve(family, version: version) }
        if let family = families[name] { return resolve(name, family: family, version: 1) }
        if withoutArchCapabilities.contains(name) { return CPUModel(canonicalName: name + "-v1", bits: .empty, visible: false) }
        if let (stem, version) = splitVersion(name) {
            if let (family, aliasVersion) = aliases[stem], version == 1 { return resolve(family, version: aliasVersion) }
            if let family = families[stem] { return resolve(stem, family: family, version: version) }
            if withoutArchCapabilities.contains(stem), (1...9).contains(version) {
                return CPUModel(canonicalName: name, bits: .empty, visible: false)
            }
        }
        for suffix in plainSuffixes where name.hasSuffix(suffix) {
            let stem = String(name.dropLast(suffix.count))
            if withoutArchCapabilities.contains(stem) {
                return CPUModel(canonicalName: name, bits: .empty, visible: false)
            }
        }
        return nil
    }

    private static func resolve(_ name: String, version: Int) -> CPUModel? {
        families[name].flatMap { resolve(name, family: $0, version: version) }
    }

    private static func resolve(_ name: String, family: Family, version: Int) -> CPUModel? {
        guard let entry = family.versions.first(where: { $0.0.contains(version) }) else { return nil }
        let bits = (try? CapabilitySet(names: entry.1)) ?? .empty
        return CPUModel(canonicalName: "\(name)-v\(version)", bits: bits, visible: entry.2)
    }

    /// `Name-vN` → (`Name`, N).
    private static func splitVersion(_ name: String) -> (String, Int)? {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let tail = name[name.index(after: dash)...]
        guard tail.first == "v", let v = Int(tail.dropFirst()), v > 0, String(v) == tail.dropFirst() else { return nil }
        return (String(name[..<dash]), v)
    }
}
