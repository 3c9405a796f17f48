import Foundation

/// An accepted exception: findings of one rule for selected guests are waived until a date.
public struct Waiver: Sendable, Hashable {
    /// Which guests.
    public var guests: GuestSelector
    /// Which rule.
    public var rule: Rule
    /// Only these bits; nil waives every bit of the rule.
    public var bits: CapabilitySet?
    /// Why it is accepted (shown in reports and the journal).
    public var reason: String
    /// The first instant it no longer applies (midnight UTC after the given date).
    public var expires: Date
    /// The date as written, for reports (`2027-03-31`).
    public var expiresText: String
    /// Line in the policy file, for messages.
    public var line: Int?

    /// Creates a waiver.
    public init(
        guests: GuestSelector, rule: Rule, bits: CapabilitySet? = nil, reason: String,
        expires: Date, expiresText: String, line: Int? = nil
    ) {
        self.guests = guests
        self.rule = rule
        self.bits = bits
        self.reason = reason
        self.expires = expires
        self.expiresText = expiresText
        self.line = line
    }

    /// Whether it is in force at `now`.
    public func isActive(at now: Date) -> Bool { now < expires }
}
