import GuestCapCore

/// Reads libvirt domain XML into a ``GuestConfig``: the persistent `<domain>` and the live
/// `<domstatus>` (whose nested `<domain>` holds the CPU QEMU actually gave the guest).
/// CPU semantics follow policy-model §2; the XML itself goes through the hostile-input-safe
/// ``XMLDocumentParser`` (no DTDs, no entities, bounded depth and size).
public enum LibvirtDomainParser {
    /// Parses a libvirt document.
    /// - Parameters:
    ///   - sourceHint: `.libvirtLive` makes a `<domain>` root count as live; a `<domstatus>`
    ///     root is always live.
    ///   - hashContents: Whether to compute ``GuestConfig/contentHash``; when false it is empty.
    /// - Throws: ``GuestConfigError``: `.otherKind` for well-formed XML of another kind
    ///   (a `<network>`), `.malformed` for bad XML or a `<cpu>` libvirt itself would refuse.
    public static func parse(
        _ bytes: [UInt8], path: String,
        sourceHint: GuestSource?, hashContents: Bool = true
    ) throws(GuestConfigError) -> GuestConfig {
        let root: XMLElement
        // The loader already capped the size (max_config_bytes); the XML parser must not refuse less.
        let limits = XMLLimits(maxBytes: max(XMLLimits().maxBytes, bytes.count))
        do { root = try XMLDocumentParser.parse(bytes, limits: limits, keeping: selection) } catch {
            throw .malformed("cannot be parsed as XML: \(error)")
        }
        let domain: XMLElement
        let source: GuestSource
        var pid: Int?
        switch root.name {
        case "domstatus":
            // The live file's top-level <cpu> is what was requested; the nested domain is what runs.
            guard let nested = root.child("domain") else {
                throw .malformed("<domstatus> has no nested <domain>", line: root.line)
            }
            domain = nested
            source = .libvirtLive
            if let text = root.attribute("pid") {
                guard let value = Int(text), value > 0 else {
                    throw .malformed("<domstatus> pid '\(text)' is not a process id", line: root.line)
                }
                pid = value
            }
        case "domain":
            domain = root
            source = sourceHint == .libvirtLive ? .libvirtLive : .libvirt
        default:
            throw .otherKind("an XML document with root element <\(root.name)>, not a libvirt domain")
        }
        let name = domain.child("name")?.trimmedText
        let uuid = domain.child("uuid")?.trimmedText
        let osType = domain.child("os")?.child("type")
        if let arch = osType?.attribute("arch"), !x86Architectures.contains(arch) {
            throw .otherKind("not an x86 guest (<type arch='\(arch)'>): MSR 0x10a does not exist there")
        }
        let accelerator: Accelerator
        switch domain.attribute("type") {
        case "kvm", nil: accelerator = .kvm
        case "qemu": accelerator = .tcg
        case let other?:
            throw .otherKind("a libvirt domain of type '\(other)': guestcap judges QEMU guests (type 'kvm' or 'qemu')")
        }
        var cpu = try cpuConfig(domain.child("cpu"))
        // libvirt appends <qemu:commandline> arguments last, and QEMU uses the last -cpu.
        if let override = try commandLineCPU(domain.child(qemuCommandLine)) { cpu = override }
        cpu.machine = osType?.attribute("machine")
        return GuestConfig(
            source: source, path: path, name: name?.isEmpty == false ? name : nil,
            uuid: uuid?.isEmpty == false ? uuid : nil, cpu: cpu,
            pid: pid, accelerator: accelerator, contentHash: hashContents ? SHA256.hex(of: bytes) : "")
    }

    private static let x86Architectures: Set<String> = ["x86_64", "i686"]
    /// libvirt's QEMU namespace element, with the prefix libvirt writes.
    private static let qemuCommandLine = "qemu:commandline"

    /// The last `-cpu` among `<qemu:arg value=…>` elements, as a QEMU `-cpu`.
    private static func commandLineCPU(_ element: XMLElement?) throws(GuestConfigError) -> GuestCPUConfig? {
        guard let element else { return nil }
        let args = element.children(named: "qemu:arg")
        var found: GuestCPUConfig?
        for (i, arg) in args.enumerated() where arg.attribute("value") == "-cpu" || arg.attribute("value") == "--cpu" {
            guard i + 1 < args.count, let value = args[i + 1].attribute("value") else {
                throw .malformed("<qemu:arg value='-cpu'/> has no value after it", line: arg.line)
            }
            found = try QEMUCommandLineParser.cpuConfig(
                value, line: args[i + 1].line,
                written: "<qemu:arg value='\(value)'/>")
        }
        return found
    }

    /// The elements read above: the rest of a domain (`<devices>`, `<metadata>`, …, most of
    /// its bytes) is checked by the XML parser as strictly but not built into a tree.
    static let selection = XMLElementSelection(paths: [
        "domain/name", "domain/uuid", "domain/cpu/**", "domain/os/type", "domain/qemu:commandline/**",
        "domstatus/domain/name", "domstatus/domain/uuid", "domstatus/domain/cpu/**", "domstatus/domain/os/type",
        "domstatus/domain/qemu:commandline/**",
    ])

    // MARK: - <cpu>

    private static let hostModes: Set<String> = ["host-passthrough", "maximum", "host-model"]

    private static func cpuConfig(_ cpu: XMLElement?) throws(GuestConfigError) -> GuestCPUConfig {
        guard let cpu else {
            return GuestCPUConfig(base: .qemuDefault, baseOrigin: ConfigOrigin("no <cpu> element: QEMU's default CPU"))
        }
        let base: CPUBase
        let baseOrigin: ConfigOrigin
        let model = cpu.child("model")
        let modelName = model?.trimmedText ?? ""
        switch cpu.attribute("mode") {
        case let mode? where hostModes.contains(mode):
            base = .kvmDefault(label: mode)
            baseOrigin = ConfigOrigin("<cpu mode='\(mode)'>", line: cpu.line)
        case let mode where (mode == nil || mode == "custom") && cpu.attribute("match") == "minimum":
            // libvirt gives a 'minimum' CPU everything the host can, like host-model.
            base = .kvmDefault(label: "match='minimum'")
            baseOrigin = ConfigOrigin("<cpu match='minimum'>", line: cpu.line)
        case nil, "custom":
            if let model, !modelName.isEmpty {
                base = .model(name: modelName)
                baseOrigin = ConfigOrigin("<model>\(modelName)</model>", line: model.line)
            } else {
                // Only <topology> or the like: QEMU's default CPU.
                base = .qemuDefault
                baseOrigin = ConfigOrigin("<cpu> without a host mode or <model>: QEMU's default CPU", line: cpu.line)
            }
        case let mode?:
            throw .malformed("unknown CPU mode '\(mode)'", line: cpu.line)
        }

        var operations: [CPUOperation] = []
        var seen: Set<String> = []
        for feature in cpu.children(named: "feature") {
            guard let name = feature.attribute("name"), !name.isEmpty else {
                throw .malformed("<feature> without a name", line: feature.line)
            }
            // libvirt's own check and wording.
            guard seen.insert(name).inserted else {
                throw .malformed("CPU feature '\(name)' specified more than once", line: feature.line)
            }
            let policy = feature.attribute("policy") ?? "require"
            guard ["force", "require", "optional", "disable", "forbid"].contains(policy) else {
                throw .malformed("invalid CPU feature policy '\(policy)' for feature '\(name)'", line: feature.line)
            }
            let origin = ConfigOrigin(written(feature), line: feature.line)
            let on = policy == "force" || policy == "require"
            if ArchCapCatalog.isVisibilityFeature(name) {
                // KVM always offers the arch-capabilities CPUID bit (it emulates the MSR), so optional means on.
                operations.append(CPUOperation(.visible(on || policy == "optional"), origin: origin))
            } else if let bits = msrBits(name) {
                let step: CPUOperation.Step =
                    policy == "optional" ? .setIfKVMDefault(bits) : (on ? .set(bits) : .clear(bits))
                operations.append(CPUOperation(step, origin: origin))
            }
            // Any other feature is not a bit of MSR 0x10a: ignored here.
        }
        let strict = cpu.attribute("check") == "full" ? ConfigOrigin("<cpu check='full'>", line: cpu.line) : nil
        return GuestCPUConfig(base: base, baseOrigin: baseOrigin, operations: operations, strictCheck: strict)
    }

    /// The MSR bit a libvirt feature name stands for; reserved `bitN` names are not features.
    private static func msrBits(_ name: String) -> CapabilitySet? {
        let bit =
            ArchCapCatalog.bit(named: name) ?? ArchCapCatalog.bit(named: String(name.map { $0 == "_" ? "-" : $0 }))
        guard let bit, bit.kernelName != nil else { return nil }
        return CapabilitySet(rawValue: bit.mask)
    }

    /// The element as written, e.g. `<feature policy='force' name='mds-no'/>`.
    private static func written(_ element: XMLElement) -> String {
        let attributes = element.attributes.map { " \($0.name)='\($0.value)'" }.joined()
        return "<\(element.name)\(attributes)/>"
    }
}
