/// One guest evaluated against one host under one policy.
public struct GuestVerdict: Sendable {
    public let identity: GuestIdentity
    public let source: GuestSource
    public let path: String
    public let name: String?
    public let uuid: String?
    public var status: GuestStatus
    /// Why the configuration could not be read, for `unreadable`.
    public var error: String?
    /// G, what the guest is told, when the configuration was read.
    public var advertised: AdvertisedValue?
    /// R and G and what the VMM dropped, when the configuration was read.
    public var values: GuestValues?
    /// Findings, worst first.
    public var findings: [Finding]
    /// The parsed configuration, when there is one.
    public var config: GuestConfig?

    /// Creates a verdict.
    public init(
        identity: GuestIdentity, source: GuestSource, path: String, name: String?, uuid: String?,
        status: GuestStatus, error: String? = nil, advertised: AdvertisedValue? = nil,
        findings: [Finding] = [], config: GuestConfig? = nil, values: GuestValues? = nil
    ) {
        self.identity = identity
        self.source = source
        self.path = path
        self.name = name
        self.uuid = uuid
        self.status = status
        self.error = error
        self.advertised = advertised ?? values?.told
        self.values = values
        self.findings = findings
        self.config = config
    }

    /// Name for people: the guest's name, else the file.
    public var displayName: String { name ?? path }
}
