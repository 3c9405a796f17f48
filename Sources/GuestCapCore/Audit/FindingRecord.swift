import Foundation

/// A finding together with whom it is about: the unit the history store keeps and the journal logs.
public struct FindingRecord: Sendable, Hashable {
    /// ``Finding/id``.
    public var findingID: String
    /// ``GuestIdentity`` description, or `host:<machine id>` for host findings.
    public var subject: String
    public var rule: Rule
    public var severity: Severity
    public var bits: CapabilitySet
    public var pool: String?
    public var poolHost: String?
    /// For `migration-unsafe`: which way the guest moves.
    public var direction: MigrationDirection?
    /// open or waived.
    public var state: FindingState
    public var message: String
    public var guestName: String?
    public var guestUUID: String?
    /// nil for host findings.
    public var source: GuestSource?
    public var configPath: String?
    public var waiverReason: String?
    public var waiverExpires: String?
    /// G, J and the host's raw value when the finding was computed (hex), for the journal.
    public var guestValue: CapabilitySet?
    public var justifiedValue: CapabilitySet?
    public var hostValue: CapabilitySet?
    /// The configuration lines that made the claim.
    public var origins: [ConfigOrigin]

    /// Creates a record.
    public init(
        findingID: String, subject: String, rule: Rule, severity: Severity, bits: CapabilitySet,
        pool: String? = nil, poolHost: String? = nil, direction: MigrationDirection? = nil,
        state: FindingState, message: String,
        guestName: String? = nil, guestUUID: String? = nil, source: GuestSource? = nil,
        configPath: String? = nil, waiverReason: String? = nil, waiverExpires: String? = nil,
        guestValue: CapabilitySet? = nil, justifiedValue: CapabilitySet? = nil,
        hostValue: CapabilitySet? = nil, origins: [ConfigOrigin] = []
    ) {
        self.findingID = findingID
        self.subject = subject
        self.rule = rule
        self.severity = severity
        self.bits = bits
        self.pool = pool
        self.poolHost = poolHost
        self.direction = direction
        self.state = state
        self.message = message
        self.guestName = guestName
        self.guestUUID = guestUUID
        self.source = source
        self.configPath = configPath
        self.waiverReason = waiverReason
        self.waiverExpires = waiverExpires
        self.guestValue = guestValue
        self.justifiedValue = justifiedValue
        self.hostValue = hostValue
        self.origins = origins
    }

    /// Records for every finding of a guest verdict.
    public static func records(for verdict: GuestVerdict, host: HostAssessment) -> [FindingRecord] {
        verdict.findings.map { f in
            FindingRecord(
                findingID: f.id, subject: verdict.identity.description, rule: f.rule, severity: f.severity,
                bits: f.bits, pool: f.pool, poolHost: f.poolHost, direction: f.direction, state: f.state,
                message: f.message,
                guestName: verdict.name, guestUUID: verdict.uuid, source: verdict.source,
                configPath: verdict.path, waiverReason: f.waiver?.reason, waiverExpires: f.waiver?.expiresText,
                guestValue: verdict.advertised?.value, justifiedValue: host.justified,
                hostValue: host.hardware, origins: f.origins)
        }
    }

    /// Records for host-level findings.
    public static func records(hostFindings: [Finding], host: HostAssessment) -> [FindingRecord] {
        let subject = "host:" + (host.snapshot.machineID ?? host.snapshot.hostname)
        return hostFindings.map { f in
            FindingRecord(
                findingID: f.id, subject: subject, rule: f.rule, severity: f.severity, bits: f.bits,
                state: f.state, message: f.message, justifiedValue: host.justified, hostValue: host.hardware)
        }
    }
}
