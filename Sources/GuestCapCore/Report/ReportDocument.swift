import Foundation

/// A `guestcap.report/v1` document: the output of `check --format json` and of `export --format json`.
public struct ReportDocument: Codable, Sendable {
    public static let formatName = "guestcap.report/v1"

    public struct Period: Codable, Sendable, Equatable {
        public var from: Date
        public var to: Date
        public init(from: Date, to: Date) {
            self.from = from
            self.to = to
        }
    }
    public struct PolicyRef: Codable, Sendable, Equatable {
        public var path: String?
        public var sha256: String
        public init(path: String?, sha256: String) {
            self.path = path
            self.sha256 = sha256
        }
    }
    public struct Summary: Codable, Sendable, Equatable {
        public var guests = 0, compliant = 0, violating = 0, waived = 0, unreadable = 0
        public init() {}
        /// Counts guests by status.
        public init(statuses: [GuestStatus]) {
            guests = statuses.count
            for s in statuses {
                switch s {
                case .compliant: compliant += 1
                case .violating: violating += 1
                case .waived: waived += 1
                case .unreadable: unreadable += 1
                }
            }
        }
    }
    public struct Skipped: Codable, Sendable, Equatable {
        public var path: String
        public var reason: String
        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }
    }

    public var format: String = formatName
    public var generatedAt: Date
    public var period: Period?
    public var policy: PolicyRef?
    public var host: HostDocument
    public var guests: [GuestDocument]
    public var hostFindings: [FindingDocument]
    public var summary: Summary
    public var skipped: [Skipped]?
    public var hostSnapshots: [HostDocument]?

    enum CodingKeys: String, CodingKey {
        case format
        case generatedAt = "generated_at"
        case period, policy, host, guests
        case hostFindings = "host_findings"
        case
            summary, skipped
        case hostSnapshots = "host_snapshots"
    }

    /// Creates a document.
    public init(
        generatedAt: Date, period: Period? = nil, policy: PolicyRef?, host: HostDocument,
        guests: [GuestDocument], hostFindings: [FindingDocument], skipped: [Skipped]? = nil,
        hostSnapshots: [HostDocument]? = nil
    ) {
        self.generatedAt = generatedAt
        self.period = period
        self.policy = policy
        self.host = host
        self.guests = guests
        self.hostFindings = hostFindings
        self.summary = Summary(statuses: guests.compactMap { GuestStatus(rawValue: $0.status) })
        self.skipped = skipped
        self.hostSnapshots = hostSnapshots
    }
}

/// One guest in a report.
public struct GuestDocument: Codable, Sendable, Equatable {
    public struct Advertised: Codable, Sendable, Equatable {
        public var value: String
        public var bits: [String]
        public var visible: Bool
        /// Bit name → the configuration text (and line) that set it.
        public var provenance: [String: String]
        /// R: what the configuration asks for (absent in reports from before it was recorded).
        public var requested: Requested?
        /// Bits asked for that the VMM does not pass.
        public var dropped: [String]?
        /// Which VMM decides (`qemu-kvm`, `qemu-tcg`, `firecracker`, `libvirt-live`, `qemu-process`).
        public var vmm: String?
        public init(
            value: String, bits: [String], visible: Bool, provenance: [String: String],
            requested: Requested? = nil, dropped: [String]? = nil, vmm: String? = nil
        ) {
            self.value = value
            self.bits = bits
            self.visible = visible
            self.provenance = provenance
            self.requested = requested
            self.dropped = dropped
            self.vmm = vmm
        }
    }
    /// R in a report.
    public struct Requested: Codable, Sendable, Equatable {
        public var value: String
        public var bits: [String]
        public var visible: Bool
        public var provenance: [String: String]
        public init(value: String, bits: [String], visible: Bool, provenance: [String: String]) {
            self.value = value
            self.bits = bits
            self.visible = visible
            self.provenance = provenance
        }
        /// Describes a value with its provenance.
        public init(_ a: AdvertisedValue) {
            self.init(value: a.value.hex, bits: a.value.names, visible: a.visible, provenance: Self.provenance(a))
        }
        static func provenance(_ a: AdvertisedValue) -> [String: String] {
            var prov: [String: String] = [:]
            for (n, o) in a.provenance { prov[ArchCapCatalog.bit(n).name] = o.description }
            return prov
        }
    }
    public var name: String?
    public var uuid: String?
    public var source: GuestSource
    public var path: String
    public var status: String
    public var error: String?
    public var archCapabilities: Advertised?
    public var findings: [FindingDocument]

    enum CodingKeys: String, CodingKey {
        case name, uuid, source, path, status, error
        case archCapabilities = "arch_capabilities"
        case findings
    }

    /// Writes absent values as null: the schema requires `name` and `arch_capabilities` even when unknown.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(uuid, forKey: .uuid)
        try c.encode(source, forKey: .source)
        try c.encode(path, forKey: .path)
        try c.encode(status, forKey: .status)
        try c.encode(error, forKey: .error)
        try c.encode(archCapabilities, forKey: .archCapabilities)
        try c.encode(findings, forKey: .findings)
    }

    /// Describes a verdict.
    public init(_ v: GuestVerdict) {
        name = v.name
        uuid = v.uuid
        source = v.source
        path = v.path
        status = v.status.rawValue
        error = v.error
        archCapabilities = v.advertised.map { g in
            Advertised(
                value: g.value.hex, bits: g.value.names, visible: g.visible, provenance: Requested.provenance(g),
                requested: v.values.map { Requested($0.requested) }, dropped: v.values.map { $0.dropped.names },
                vmm: v.values?.vmm.rawValue)
        }
        findings = v.findings.map(FindingDocument.init)
    }

    /// Creates a guest entry from stored parts (exports).
    public init(
        name: String?, uuid: String?, source: GuestSource, path: String, status: String, error: String?,
        archCapabilities: Advertised?, findings: [FindingDocument]
    ) {
        self.name = name
        self.uuid = uuid
        self.source = source
        self.path = path
        self.status = status
        self.error = error
        self.archCapabilities = archCapabilities
        self.findings = findings
    }
}

/// One finding in a report.
public struct FindingDocument: Codable, Sendable, Equatable {
    public struct WaiverDoc: Codable, Sendable, Equatable {
        public var reason: String
        public var expires: String
        public var active: Bool
        public var bits: [String]?
        public init(reason: String, expires: String, active: Bool, bits: [String]?) {
            self.reason = reason
            self.expires = expires
            self.active = active
            self.bits = bits
        }
    }
    public var id: String?
    public var rule: String
    public var severity: Severity
    public var bits: [String]
    public var pool: String?
    public var poolHost: String?
    /// `outgoing` or `incoming`, for migration-unsafe.
    public var direction: MigrationDirection?
    public var message: String
    public var state: FindingState
    public var firstSeen: Date?
    public var lastSeen: Date?
    public var resolvedAt: Date?
    public var waiver: WaiverDoc?
    /// The configuration lines that made the claim.
    public var origins: [String]?

    enum CodingKeys: String, CodingKey {
        case id, rule, severity, bits, pool
        case poolHost = "pool_host"
        case direction, message, state
        case firstSeen = "first_seen"
        case
            lastSeen = "last_seen"
        case resolvedAt = "resolved_at"
        case waiver, origins
    }

    /// Describes a finding as evaluated now.
    public init(_ f: Finding) {
        id = f.id
        rule = f.rule.rawValue
        severity = f.severity
        bits = f.bits.names
        pool = f.pool
        poolHost = f.poolHost
        direction = f.direction
        message = f.message
        state = f.state
        waiver = f.waiver.map {
            WaiverDoc(
                reason: $0.reason, expires: $0.expiresText, active: f.state == .waived,
                bits: $0.bits?.names)
        }
        origins = f.origins.isEmpty ? nil : f.origins.map(\.description)
    }

    /// Creates a finding entry from stored parts (exports).
    public init(
        id: String?, rule: String, severity: Severity, bits: [String], pool: String?, poolHost: String?,
        direction: MigrationDirection? = nil, message: String, state: FindingState, firstSeen: Date?,
        lastSeen: Date?, resolvedAt: Date?, waiver: WaiverDoc?, origins: [String]?
    ) {
        self.id = id
        self.rule = rule
        self.severity = severity
        self.bits = bits
        self.pool = pool
        self.poolHost = poolHost
        self.direction = direction
        self.message = message
        self.state = state
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.resolvedAt = resolvedAt
        self.waiver = waiver
        self.origins = origins
    }
}
