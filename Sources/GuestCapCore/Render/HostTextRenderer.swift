/// The `guestcap host` text form: who the host is, its MSR, and a row per bit saying whether a
/// guest may be told it and why.
public enum HostTextRenderer {
    /// Renders an assessed host.
    public static func render(_ host: HostAssessment, width: Int? = nil) -> String {
        let s = host.snapshot
        var out: [String] = []
        var who = "Host \(s.hostname)"
        if let k = s.kernel { who += ", kernel \(k)" }
        if let m = s.machineID { who += ", machine-id \(m)" }
        out.append(who)
        let c = s.cpu
        var cpu = "CPU  \(c.vendor ?? "unknown vendor")"
        if let f = c.family, let m = c.model { cpu += " family \(f) model \(m)" }
        if let st = c.stepping { cpu += " stepping \(st)" }
        if let mc = c.microcode { cpu += ", microcode \(mc)" }
        if let name = c.modelName { cpu += " (\(name))" }
        out.append(cpu)
        out.append("MSR 0x10a (IA32_ARCH_CAPABILITIES): " + msrLine(host))
        for g in host.disagreement {
            out.append("  \(g.value.map(CapabilitySet.hex) ?? "absent") on CPU \(PolicyEngine.cpuList(g.cpus))")
        }
        out.append("Justified (J), what a guest may be told: \(host.justified)")
        out.append("KVM default for new guests:              \(host.kvmDefaultComputed)")
        if let reported = host.kvmReported {
            if reported == host.kvmDefaultComputed {
                out.append("KVM reports (KVM_GET_MSRS on /dev/kvm):  \(reported.hex), the same as computed")
            } else {
                let extra = reported.subtracting(host.kvmDefaultComputed)
                let missing = host.kvmDefaultComputed.subtracting(reported)
                var diff: [String] = []
                if !extra.isEmpty { diff.append("KVM also sets \(extra.names.joined(separator: ", "))") }
                if !missing.isEmpty { diff.append("KVM does not set \(missing.names.joined(separator: ", "))") }
                out.append(
                    "KVM reports (KVM_GET_MSRS on /dev/kvm):  \(reported.hex), differs from computed: "
                        + diff.joined(separator: "; ") + "; guestcap uses KVM's value")
            }
        }
        out.append("QEMU with KVM passes at most:            \(host.qemuPasses)")
        if s.kvmOffersArchCapabilities == false {
            out.append(
                "KVM does not offer guests the arch-capabilities CPUID bit (CPUID.7.0:EDX[29]): "
                    + "no KVM guest here can read MSR 0x10a")
        }
        if !host.options.kvmSynthesis { out.append("Policy: KVM-synthesized bits are not counted as justified") }
        if !host.options.qemuFbClear { out.append("Policy: QEMU's synthesized fb-clear is not counted as justified") }
        out.append("")
        out.append(bitTable(host, width: width))
        if !host.notes.isEmpty {
            out.append("")
            out.append("Notes:")
            for n in host.notes { out.append("  - \(n)") }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private static func msrLine(_ host: HostAssessment) -> String {
        let n = host.snapshot.msr.count
        switch host.msrStatus {
        case .ok: return "\(host.hardware.hex) on all \(n) CPU\(n == 1 ? "" : "s")"
        case .absent: return "not implemented by the CPUs"
        case .unreadable: return "could not be read (see notes)"
        case .inconsistent: return "CPUs DISAGREE; bits all CPUs report (disclosure: any CPU): \(host.hardware.hex)"
        }
    }

    private static func bitTable(_ host: HostAssessment, width: Int?) -> String {
        var t = TextTable(["BIT", "NAME", "CLASS", "HOST", "KVM DEFAULT", "J", "WHY"])
        let shown =
            ArchCapCatalog.defined.map(\.number)
            + host.justified.union(host.kvmDefault).union(anyCPU(host)).intersection(.of(.reserved)).bitNumbers
        for n in shown.sorted() {
            let b = ArchCapCatalog.bit(n)
            let inJ = host.justified.contains(bit: n)
            t.add([
                String(n), b.name, b.bitClass.rawValue, hostColumn(host, n),
                host.kvmDefault.contains(bit: n) ? "yes" : "-", inJ ? "yes" : "no", why(host, b, inJ),
            ])
        }
        return t.render(width: width)
    }

    private static func anyCPU(_ host: HostAssessment) -> CapabilitySet {
        CapabilitySet(rawValue: host.snapshot.msr.reduce(0) { $0 | ($1.value ?? 0) })
    }

    private static func hostColumn(_ host: HostAssessment, _ n: Int) -> String {
        switch host.msrStatus {
        case .absent: return "absent"
        case .unreadable: return "unreadable"
        case .ok, .inconsistent:
            let having = host.snapshot.msr.filter { ($0.value ?? 0) & (1 << UInt64(n)) != 0 }.map(\.cpu)
            if having.isEmpty { return "-" }
            if having.count == host.snapshot.msr.count { return "all CPUs" }
            return "CPU " + PolicyEngine.cpuList(having)
        }
    }

    private static func why(_ host: HostAssessment, _ b: ArchCapBit, _ inJ: Bool) -> String {
        if inJ, let source = host.sources[b.number] {
            if source.hasPrefix("kernel:") {
                let file = String(source.dropFirst(7))
                return "\(source) (\(host.snapshot.vulnerabilities[file] ?? "?"))"
            }
            switch source {
            case "msr": return "msr: the hardware reports it"
            case "kvm": return "kvm: KVM always sets it"
            case "qemu": return "qemu: mds/taa/mmio immunity makes fb-clear safe to advertise"
            case "kvm-reported": return "kvm-reported: KVM's own value for new guests has it"
            default: return source
            }
        }
        if b.bitClass == .immunity, let file = ArchCapCatalog.verdictFile[b.name] {
            return "\(file): \(host.snapshot.vulnerabilities[file] ?? "verdict unknown")"
        }
        return ""
    }
}
