/// QEMU's named x86 CPU models, every version and alias, and the MSR 0x10a bits each version
/// turns on (arch-capabilities reference §4). The facts are in `CPUModelCatalog+Table.swift`.
///
/// Names are matched exactly, as QEMU looks up its CPU types: `haswell` is not `Haswell`.
public enum CPUModelCatalog {
    /// Which version an unversioned name (`Cascadelake-Server`) stands for.
    public enum Unversioned: Sendable, Hashable {
        /// v1: `pc` and `q35` machine types (libvirt's default).
        case v1
        /// The newest version: `microvm` and `nitro-enclave` machine types.
        case latest
    }

    /// Resolves a model name as QEMU or libvirt spells it: `Name` (v1 or the latest version),
    /// `Name-vN`, or an alias such as `Haswell-noTSX`; nil when QEMU does not know the name.
    public static func model(named name: String, unversioned: Unversioned = .v1) -> CPUModel? {
        if let target = aliasTargets[name] { return byVersionedName[target] }
        if let versions = byModel[name] {
            return unversioned == .v1 ? versions.first : versions.last
        }
        return byVersionedName[name]
    }

    /// Every version of every model, in QEMU's order of models and then by version.
    public static let allModelVersions: [CPUModel] = definitions.flatMap(expand)

    /// Alias name → the versioned name it stands for (`Haswell-noTSX` → `Haswell-v2`).
    public static let aliasTargets: [String: String] = {
        var map: [String: String] = [:]
        for d in definitions {
            for (alias, version) in d.aliases { map[alias] = "\(d.name)-v\(version)" }
        }
        return map
    }()

    /// The unversioned model names, in QEMU's order.
    public static var modelNames: [String] { definitions.map(\.name) }

    /// Models QEMU no longer has but older QEMU did; guests configured with them still exist.
    public static var removedModelNames: [String] { definitions.filter { $0.removedIn != nil }.map(\.name) }

    private static let byModel: [String: [CPUModel]] =
        Dictionary(allModelVersions.map { ($0.model, [$0]) }, uniquingKeysWith: +)

    private static let byVersionedName: [String: CPUModel] =
        Dictionary(allModelVersions.map { ($0.canonicalName, $0) }, uniquingKeysWith: { first, _ in first })

    /// Applies each version's additions on top of the previous version, as QEMU does.
    private static func expand(_ d: Definition) -> [CPUModel] {
        var names: [String] = []
        var visible = false
        return (1...d.versions).map { v in
            for name in d.additions[v] ?? [] {
                if ArchCapCatalog.isVisibilityFeature(name) { visible = true } else { names.append(name) }
            }
            let bits = (try? CapabilitySet(names: names)) ?? .empty
            return CPUModel(canonicalName: "\(d.name)-v\(v)", model: d.name, version: v, bits: bits, visible: visible)
        }
    }
}
