import Foundation

/// The `host` object of a `guestcap.report/v1` document, and the file a pool member is.
///
/// It carries every input of J (per-CPU readings, verdicts, flags, `vmentry_l1d_flush`), so a
/// decoded document gives back the ``HostSnapshot`` it was made from.
public struct HostDocument: Codable, Sendable, Equatable {
    public struct CPUReadingDoc: Codable, Sendable, Equatable {
        public var cpu: Int
        public var value: String?
        public var error: String?
        public var status: String?
    }
    public struct ArchCapabilitiesDoc: Codable, Sendable, Equatable {
        public var status: MSRStatus
        public var value: String
        public var bits: [String]
        public var cpus: [CPUReadingDoc]
        public var error: String?
        /// Distinct values and their CPUs, when the CPUs disagree.
        public var disagreement: [DisagreementDoc]?
    }
    public struct DisagreementDoc: Codable, Sendable, Equatable {
        public var value: String?
        public var cpus: [Int]
    }
    public struct JustifiedDoc: Codable, Sendable, Equatable {
        public var value: String
        public var bits: [String]
        public var sources: [String: String]
    }
    public struct ValueDoc: Codable, Sendable, Equatable {
        public var value: String
        public var bits: [String]
    }
    public struct KVMDoc: Codable, Sendable, Equatable {
        public var vmentryL1dFlush: String?
        public var reported: String?
        /// Whether KVM offers guests the arch-capabilities CPUID bit; absent when unknown.
        public var archCapabilitiesCPUID: Bool?
        enum CodingKeys: String, CodingKey {
            case vmentryL1dFlush = "vmentry_l1d_flush"
            case reported
            case archCapabilitiesCPUID = "arch_capabilities_cpuid"
        }
    }

    public var hostname: String
    public var machineID: String?
    public var kernel: String?
    public var cpu: CPUIdentity
    public var archCapabilities: ArchCapabilitiesDoc
    public var vulnerabilities: [String: String]
    public var justified: JustifiedDoc
    public var kvmDefault: ValueDoc
    public var kvm: KVMDoc
    public var since: Date?
    /// Sentences about what could not be read and what to do.
    public var notes: [String]?

    enum CodingKeys: String, CodingKey {
        case hostname
        case machineID = "machine_id"
        case kernel, cpu
        case archCapabilities = "arch_capabilities"
        case
            vulnerabilities, justified
        case kvmDefault = "kvm_default"
        case kvm, since, notes
    }

    /// Describes an assessed host.
    public init(_ host: HostAssessment) {
        let s = host.snapshot
        hostname = s.hostname
        machineID = s.machineID
        kernel = s.kernel
        cpu = s.cpu
        archCapabilities = ArchCapabilitiesDoc(
            status: host.msrStatus, value: host.hardware.hex, bits: host.hardware.names,
            cpus: s.msr.map {
                CPUReadingDoc(
                    cpu: $0.cpu, value: $0.value.map(CapabilitySet.hex), error: $0.error,
                    status: $0.status.rawValue)
            },
            error: host.msrStatus == .ok ? nil : host.notes.first,
            disagreement: host.disagreement.isEmpty
                ? nil
                : host.disagreement.map { DisagreementDoc(value: $0.value.map(CapabilitySet.hex), cpus: $0.cpus) })
        vulnerabilities = s.vulnerabilities
        var sources: [String: String] = [:]
        for (n, src) in host.sources { sources[ArchCapCatalog.bit(n).name] = src }
        justified = JustifiedDoc(value: host.justified.hex, bits: host.justified.names, sources: sources)
        kvmDefault = ValueDoc(value: host.kvmDefaultComputed.hex, bits: host.kvmDefaultComputed.names)
        kvm = KVMDoc(
            vmentryL1dFlush: s.vmentryL1dFlush, reported: s.kvmReported.map(CapabilitySet.hex),
            archCapabilitiesCPUID: s.kvmOffersArchCapabilities)
        since = s.since
        notes = host.notes.isEmpty ? nil : host.notes
    }

    /// The facts the document was made from.
    public var snapshot: HostSnapshot {
        let readings = archCapabilities.cpus.map { doc -> MSRReading in
            let value = doc.value.flatMap(CapabilitySet.parse(hex:))?.rawValue
            let status =
                doc.status.flatMap(MSRReading.Status.init(rawValue:))
                ?? (value != nil ? .ok : Self.guessStatus(doc.error))
            return MSRReading(cpu: doc.cpu, status: status, value: value, error: doc.error)
        }
        return HostSnapshot(
            hostname: hostname, machineID: machineID, kernel: kernel, cpu: cpu, msr: readings,
            msrProbeError: readings.isEmpty ? archCapabilities.error : nil, vulnerabilities: vulnerabilities,
            vmentryL1dFlush: kvm.vmentryL1dFlush,
            kvmReported: kvm.reported.flatMap(CapabilitySet.parse(hex:))?.rawValue,
            kvmOffersArchCapabilities: kvm.archCapabilitiesCPUID,
            since: since)
    }

    private static func guessStatus(_ error: String?) -> MSRReading.Status {
        guard let e = error?.lowercased() else { return .absent }
        if e.contains("module") { return .moduleNotLoaded }
        if e.contains("permission") || e.contains("cap_sys_rawio") { return .permissionDenied }
        if e.contains("not implement") || e.contains("absent") { return .absent }
        return .error
    }
}
