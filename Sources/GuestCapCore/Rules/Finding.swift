/// One rule that fires for one guest (or the host), with exactly the offending bits.
public struct Finding: Sendable, Hashable {
    /// Stable hash of (guest identity, rule, pool, pool host, bits): changes when the bits change.
    public let id: String
    public let rule: Rule
    public let severity: Severity
    /// The offending bits, the set difference the rule computed.
    public let bits: CapabilitySet
    /// The migration pool, for `migration-unsafe`.
    public let pool: String?
    /// The pool member that could not back the claim.
    public let poolHost: String?
    /// For `migration-unsafe`: which way the guest moves.
    public let direction: MigrationDirection?
    /// A sentence for people.
    public let message: String
    /// open or waived (resolved is a lifecycle state the history store records).
    public var state: FindingState
    /// The waiver that covers (or, when expired, used to cover) it.
    public var waiver: Waiver?
    /// The configuration lines that made the offending claims.
    public let origins: [ConfigOrigin]

    /// Creates a finding and its stable id.
    public init(
        subject: String, rule: Rule, severity: Severity, bits: CapabilitySet, pool: String? = nil,
        poolHost: String? = nil, direction: MigrationDirection? = nil, message: String,
        state: FindingState = .open, waiver: Waiver? = nil, origins: [ConfigOrigin] = []
    ) {
        self.id = Finding.id(
            subject: subject, rule: rule, pool: pool, poolHost: poolHost, direction: direction, bits: bits)
        self.rule = rule
        self.severity = severity
        self.bits = bits
        self.pool = pool
        self.poolHost = poolHost
        self.direction = direction
        self.message = message
        self.state = state
        self.waiver = waiver
        self.origins = origins
    }

    /// The stable id: first 32 hex digits of SHA-256 over the identifying parts. Outgoing is the
    /// direction findings had before directions existed, so it keeps their ids.
    public static func id(
        subject: String, rule: Rule, pool: String?, poolHost: String?,
        direction: MigrationDirection? = nil, bits: CapabilitySet
    ) -> String {
        var parts = [subject, rule.rawValue, pool ?? "", poolHost ?? "", bits.hex]
        if direction == .incoming { parts.append(MigrationDirection.incoming.rawValue) }
        let key = parts.joined(separator: "\u{1f}")
        return String(SHA256.hex(of: key).prefix(32))
    }

    /// Whether it counts against the guest: open at error or critical.
    public var isActiveViolation: Bool { state == .open && severity.isViolation }
}
