import GuestCapCore

/// A journal `MESSAGE_ID`: one fixed 128-bit id per rule (for *opened*) and per lifecycle
/// event. `systemd/message-ids.tsv` is the source of truth; a test keeps this table, that
/// file and `systemd/guestcap.catalog` the same set. An id never changes once released.
public struct MessageID: Sendable, Hashable, CustomStringConvertible {
    /// The name in `message-ids.tsv` (a rule name, or an event such as `resolved`).
    public let name: String
    /// 32 lower-case hex digits, as journald stores it.
    public let id: String

    private init(_ name: String, _ id: String) {
        self.name = name
        self.id = id
    }

    public var description: String { id }

    /// Every id, in the order of `message-ids.tsv`.
    public static let all: [MessageID] = [
        MessageID("unjustified-immunity", "cc1d99c814a045468b3df9ff627be459"),
        MessageID("unjustified-mitigation", "25e26b0f84a64fa6ac7e8383e644fd0f"),
        MessageID("hidden-disclosure", "535bdff64c954fb580985f5bd27013f7"),
        MessageID("unsupported-control", "446979c0cb26453bbaebf7f63d56accc"),
        MessageID("reserved-bits", "42b67db79f4444159d094b1347310dbe"),
        MessageID("migration-unsafe", "4bd801d6e8f74d618ebb538a618ea5ec"),
        MessageID("request-dropped", "05d1cd777cdb42058e059ebb2c42bb31"),
        MessageID("unknown-model", "7fcfda3a9f994738b842b4dd091dbbe4"),
        MessageID("msr-hidden", "7c4b0d1effe64d259505e1e382296127"),
        MessageID("missed-immunity", "0f20924d54f841c8bd336c5f8726f044"),
        MessageID("host-msr-inconsistent", "66c3887dc24d425ca777dae168824e0f"),
        MessageID("host-msr-unreadable", "c6032763da4e442cae90b871028f3eac"),
        MessageID("kvm-default-differs", "9244704042f747c88a5eb73ff21f2046"),
        MessageID("config-unreadable", "9db332f0cbe64a3bb0cf207a51095a9a"),
        MessageID("resolved", "d5a032e45bbe4fae8e473d796c676c2c"),
        MessageID("waived", "f59749f307804567b690b023e7dac16d"),
        MessageID("waiver-expired", "e0b23ef7c9fa4e969cde001b6ab3917f"),
        MessageID("host-changed", "45271dc14e8e44659ec8ce5010ca41e8"),
        MessageID("daemon-started", "1702aff674fd4ed9a27513132a3fdb39"),
        MessageID("daemon-stopping", "f8bc24cc60a04014ad7a55749a7307ff"),
        MessageID("policy-rejected", "29fc03f4e4954021a2fae35c534859ed"),
        MessageID("store-degraded", "907c3038590840be8527f118923fdce6"),
    ]

    private static let byName: [String: MessageID] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    private static func named(_ name: String) -> MessageID {
        guard let id = byName[name] else { preconditionFailure("no MESSAGE_ID named \(name) in the table") }
        return id
    }

    /// The id a finding of `rule` is logged with when it opens.
    public static func opened(_ rule: Rule) -> MessageID { named(rule.rawValue) }

    /// The id of a transition: the rule's own for *opened*, the shared one otherwise.
    public static func transition(_ kind: TransitionKind, rule: Rule) -> MessageID {
        switch kind {
        case .opened: opened(rule)
        case .resolved: resolved
        case .waived: waived
        case .waiverExpired: waiverExpired
        }
    }

    public static let resolved = named("resolved")
    public static let waived = named("waived")
    public static let waiverExpired = named("waiver-expired")
    public static let configUnreadable = named("config-unreadable")
    public static let hostChanged = named("host-changed")
    public static let daemonStarted = named("daemon-started")
    public static let daemonStopping = named("daemon-stopping")
    public static let policyRejected = named("policy-rejected")
    public static let storeDegraded = named("store-degraded")
}
