import Foundation

/// The host's hardware value, the justified set J and KVM's default guest value, derived
/// from a ``HostSnapshot`` exactly as policy-model §1 says.
public struct HostAssessment: Sendable, Equatable {
    /// The facts this was derived from.
    public let snapshot: HostSnapshot
    /// The switches used.
    public let options: JustificationOptions
    /// Host-level MSR state.
    public let msrStatus: MSRStatus
    /// `hw`: immunity, mitigation, control and reserved bits ANDed across CPUs, disclosure bits ORed.
    public let hardware: CapabilitySet
    /// Bits KVM synthesizes from the kernel's verdicts (always computed, used in J only when enabled).
    public let kvmSynthesized: CapabilitySet
    /// `J`: every bit a guest may truthfully be told.
    public let justified: CapabilitySet
    /// Where each bit of J comes from: `msr`, `kernel:<file>`, `kvm`, `kvm-reported`, `qemu`.
    public let sources: [Int: String]
    /// What KVM hands a new vCPU and lets QEMU ask for: KVM's reported value where the snapshot
    /// has one (a real host), else ``kvmDefaultComputed``.
    public let kvmDefault: CapabilitySet
    /// kvm_default computed from the facts (arch-capabilities §3).
    public let kvmDefaultComputed: CapabilitySet
    /// What `KVM_GET_MSRS` on `/dev/kvm` returned, when the snapshot has it.
    public let kvmReported: CapabilitySet?
    /// Q: what QEMU with KVM lets a guest have here: kvm_default, plus `fb-clear` when it has the
    /// five MDS/MMIO "_NO" bits (QEMU synthesizes it for migration).
    public let qemuPasses: CapabilitySet
    /// Distinct values and the CPUs that reported each, when CPUs disagree.
    public let disagreement: [(value: UInt64?, cpus: [Int])]
    /// Sentences an operator needs: why the MSR could not be read and what to do.
    public let notes: [String]

    /// Derives everything from a snapshot.
    public init(snapshot: HostSnapshot, options: JustificationOptions = JustificationOptions()) {
        self.snapshot = snapshot
        self.options = options
        let hw = Self.combine(snapshot)
        self.msrStatus = hw.status
        self.hardware = hw.value
        self.disagreement = hw.groups.count > 1 ? hw.groups : []
        self.notes = Self.notes(snapshot, status: hw.status)

        let kvm = Self.synthesize(snapshot)
        self.kvmSynthesized = kvm.bits
        var sources: [Int: String] = [:]
        func add(_ bits: CapabilitySet, _ source: (Int) -> String) {
            for n in bits.bitNumbers where sources[n] == nil { sources[n] = source(n) }
        }
        var justified = hw.value
        add(hw.value) { _ in "msr" }
        if options.kvmSynthesis {
            add(kvm.bits) { kvm.sources[$0] ?? "kvm" }
            justified.formUnion(kvm.bits)
        }
        let verdict = Self.verdictImmunities(snapshot)
        add(verdict.bits) { verdict.sources[$0] ?? "kernel" }
        justified.formUnion(verdict.bits)
        let reported = snapshot.kvmReported.map { CapabilitySet(rawValue: $0) }
        if hw.status == .unreadable, let reported {
            add(reported) { _ in "kvm-reported" }
            justified.formUnion(reported)
        }
        // fb-clear's prerequisites count KVM's synthesis even when J leaves it out (policy-model §1).
        let qemuBasis = justified.union(kvm.bits)
        if options.qemuFbClear, qemuBasis.isSuperset(of: Self.fbClearPrerequisites),
            !justified.isSuperset(of: Self.fbClear)
        {
            justified.formUnion(Self.fbClear)
            add(Self.fbClear) { _ in "qemu" }
        }
        self.justified = justified
        self.sources = sources

        var computed = CapabilitySet(rawValue: hw.value.rawValue & ArchCapCatalog.kvmSupportedMask).union(kvm.bits)
        if !snapshot.cpu.hasRTM { computed.remove(Self.taaNo) }
        self.kvmDefaultComputed = computed
        self.kvmReported = reported
        let effective = reported ?? computed
        self.kvmDefault = effective
        self.qemuPasses =
            effective.isSuperset(of: Self.fbClearPrerequisites) ? effective.union(Self.fbClear) : effective
    }

    /// The bits whose presence makes QEMU offer `fb-clear`.
    static let fbClearPrerequisites = try! CapabilitySet(names: [
        "mds-no", "taa-no", "sbdr-ssdp-no", "fbsdp-no", "psdp-no",
    ])
    static let fbClear = try! CapabilitySet(names: ["fb-clear"])
    static let taaNo = try! CapabilitySet(names: ["taa-no"])

    public static func == (lhs: HostAssessment, rhs: HostAssessment) -> Bool {
        lhs.snapshot == rhs.snapshot && lhs.options == rhs.options
    }

    // MARK: - hw

    private static func combine(
        _ s: HostSnapshot
    ) -> (
        status: MSRStatus, value: CapabilitySet,
        groups: [(value: UInt64?, cpus: [Int])]
    ) {
        if s.msr.isEmpty { return (.unreadable, .empty, []) }
        if s.msr.contains(where: { $0.status != .ok && $0.status != .absent }) {
            return (.unreadable, .empty, [])
        }
        // Absent CPUs count as 0, so a mix of absent and present is a disagreement.
        var groups: [(value: UInt64?, cpus: [Int])] = []
        for r in s.msr {
            let v = r.status == .ok ? r.value : nil
            if let i = groups.firstIndex(where: { $0.value == v }) {
                groups[i].cpus.append(r.cpu)
            } else {
                groups.append((v, [r.cpu]))
            }
        }
        let values = s.msr.map { $0.status == .ok ? ($0.value ?? 0) : 0 }
        let and = values.reduce(UInt64.max, &)
        let or = values.reduce(0, |)
        let disclosure = ArchCapCatalog.mask(of: .disclosure)
        let combined = CapabilitySet(rawValue: (and & ~disclosure) | (or & disclosure))
        if groups.count > 1 { return (.inconsistent, combined, groups) }
        if groups[0].value == nil { return (.absent, .empty, groups) }
        return (.ok, combined, groups)
    }

    private static func notes(_ s: HostSnapshot, status: MSRStatus) -> [String] {
        var notes: [String] = []
        if let e = s.msrProbeError { notes.append(e) }
        let statuses = Set(s.msr.map(\.status))
        if let first = s.msr.first(where: { $0.status == .moduleNotLoaded }) {
            let path = first.error?.components(separatedBy: " does not exist").first ?? "/dev/cpu/\(first.cpu)/msr"
            notes.append(
                "the msr kernel module is not loaded (\(path) does not exist): load it with 'modprobe msr' "
                    + "(and add it to /etc/modules-load.d to keep it); until then J comes from the kernel's verdicts only"
            )
        }
        if let first = s.msr.first(where: { $0.status == .permissionDenied }) {
            notes.append(
                (first.error ?? "/dev/cpu/\(first.cpu)/msr: permission denied: run as root or grant CAP_SYS_RAWIO")
                    + "; until then J comes from the kernel's verdicts only")
        }
        if statuses.contains(.error), let first = s.msr.first(where: { $0.status == .error })?.error {
            notes.append(first)
        }
        if !s.cpu.enumeratesArchCapabilities && status != .absent {
            let why = s.cpu.isAMDLike ? " (normal for \(s.cpu.vendor ?? "this vendor"))" : ""
            notes.append(
                "the CPU does not enumerate IA32_ARCH_CAPABILITIES (no 'arch_capabilities' flag in "
                    + "/proc/cpuinfo)\(why)")
        }
        if status == .absent {
            let why =
                s.cpu.isAMDLike ? ": normal for \(s.cpu.vendor ?? "this vendor"), whose CPUs have no such MSR" : ""
            notes.append("the CPUs do not implement IA32_ARCH_CAPABILITIES\(why)")
        }
        return notes
    }

    // MARK: - KVM synthesis (arch-capabilities §3, steps 2-6)

    /// The sysfs verdict that means "no bug".
    static func notAffected(_ verdict: String?) -> Bool {
        verdict?.trimmingWhitespace() == "Not affected"
    }

    private static func synthesize(_ s: HostSnapshot) -> (bits: CapabilitySet, sources: [Int: String]) {
        var found = SourcedBits()
        func add(_ name: String, _ source: String) { found.add(name, source) }
        add("pschange-mc-no", "kvm")
        if s.vmentryL1dFlush?.trimmingWhitespace() != "never" { add("skip-l1dfl-vmentry", "kvm") }
        for (name, file) in [
            ("rdctl-no", "meltdown"), ("ssb-no", "spec_store_bypass"), ("mds-no", "mds"),
            ("rfds-no", "reg_file_data_sampling"), ("its-no", "indirect_target_selection"),
        ]
        where notAffected(s.vulnerabilities[file]) {
            add(name, "kernel:\(file)")
        }
        if s.cpu.hasRTM, notAffected(s.vulnerabilities["tsx_async_abort"]) {
            add("taa-no", "kernel:tsx_async_abort")
        }
        if let gds = s.vulnerabilities["gather_data_sampling"]?.trimmingWhitespace(),
            gds == "Not affected" || gds.hasPrefix("Mitigation: Microcode")
        {
            add("gds-no", "kernel:gather_data_sampling")
        }
        return (found.bits, found.sources)
    }

    /// Bits collected by name, each with where it came from.
    struct SourcedBits {
        var bits = CapabilitySet.empty
        var sources: [Int: String] = [:]

        mutating func add(_ name: String, _ source: String) {
            let b = ArchCapCatalog.bit(named: name)!
            bits.insert(CapabilitySet(rawValue: b.mask))
            sources[b.number] = source
        }
    }
}

extension HostAssessment {
    /// The immunity bits whose flaw the host kernel reports exactly `Not affected` (policy-model
    /// §1, source `verdict`): true for a guest whether or not KVM synthesizes them.
    static func verdictImmunities(_ s: HostSnapshot) -> (bits: CapabilitySet, sources: [Int: String]) {
        var found = SourcedBits()
        // The catalog's verdict table; spectre_v2 carries sub-verdicts ("…; BHI: Not affected;
        // PBRSB-eIBRS: Not affected") and itlb_multihit is not a verdict KVM or §3 reads.
        for (name, file) in ArchCapCatalog.verdictFile
        where file != "spectre_v2" && file != "itlb_multihit"
            && notAffected(s.vulnerabilities[file])
        {
            found.add(name, "kernel:\(file)")
        }
        if let v2 = s.vulnerabilities["spectre_v2"] {
            let parts = v2.split(separator: ";").map { String($0).trimmingWhitespace() }
            if parts.contains("BHI: Not affected") { found.add("bhi-no", "kernel:spectre_v2") }
            if parts.contains("PBRSB-eIBRS: Not affected") { found.add("pbrsb-no", "kernel:spectre_v2") }
        }
        return (found.bits, found.sources)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension HostAssessment {
    /// One sentence on why MSR 0x10a is not simply read (status other than ok): the first note,
    /// or for CPUs that disagree, which CPUs report which value.
    public var msrProblem: String {
        if msrStatus == .inconsistent {
            let groups = disagreement.map { g in
                "CPU\(g.cpus.count == 1 ? "" : "s") \(g.cpus.map(String.init).joined(separator: ","))"
                    + (g.value.map { " report " + CapabilitySet(rawValue: $0).hex } ?? " do not implement it")
            }
            return "the CPUs disagree: " + groups.joined(separator: "; ")
        }
        return notes.first ?? "no CPU could be read"
    }
}
