import GuestCapCore

extension JournalEntry {
    /// The entry for one finding transition (policy-model §6): the rule's MESSAGE_ID when it
    /// opens, the shared one when it resolves, is waived or its waiver expires.
    ///
    /// PRIORITY: *opened* and *waiver-expired* at the rule's severity; *waived* at notice (5);
    /// *resolved* at notice, or info for info-level rules (good news is never louder than the
    /// bad news it ends).
    public static func transition(
        _ kind: TransitionKind, finding f: FindingRecord, transitionID: String
    ) -> JournalEntry {
        let priority: Int
        switch kind {
        case .opened, .waiverExpired: priority = f.severity.priority
        case .waived: priority = 5
        case .resolved: priority = max(5, f.severity.priority)
        }
        var e = JournalEntry(
            message: message(kind, f), priority: priority,
            messageID: MessageID.transition(kind, rule: f.rule))
        e.append("GUESTCAP_EVENT", kind.rawValue)
        e.append("GUESTCAP_RULE", f.rule.rawValue)
        e.append("GUESTCAP_SEVERITY", f.severity.rawValue)
        let state: FindingState =
            switch kind {
            case .opened, .waiverExpired: .open
            case .resolved: .resolved
            case .waived: .waived
            }
        e.append("GUESTCAP_STATE", state.rawValue)
        e.append("GUESTCAP_GUEST_NAME", f.guestName ?? (f.source == nil ? nil : f.configPath))
        e.append("GUESTCAP_GUEST_UUID", f.guestUUID)
        e.append("GUESTCAP_SOURCE", f.source?.rawValue)
        e.append("GUESTCAP_CONFIG_PATH", f.configPath)
        e.append("GUESTCAP_GUEST_VALUE", f.guestValue?.hex)
        e.append("GUESTCAP_JUSTIFIED_VALUE", f.justifiedValue?.hex)
        e.append("GUESTCAP_HOST_VALUE", f.hostValue?.hex)
        if !f.bits.isEmpty {
            e.append("GUESTCAP_BITS", f.bits.names.joined(separator: ","))
            for name in f.bits.names { e.append("GUESTCAP_BIT", name) }
        }
        e.append("GUESTCAP_POOL", f.pool)
        e.append("GUESTCAP_POOL_HOST", f.poolHost)
        e.append("GUESTCAP_DIRECTION", f.direction?.rawValue)
        e.append("GUESTCAP_WAIVER_REASON", f.waiverReason)
        e.append("GUESTCAP_WAIVER_EXPIRES", f.waiverExpires)
        if f.rule == .configUnreadable || f.rule == .hostMSRUnreadable { e.append("GUESTCAP_ERROR", errorText(f)) }
        if !f.origins.isEmpty { e.append("GUESTCAP_ORIGIN", f.origins.map(\.description).joined(separator: "; ")) }
        e.append("GUESTCAP_FINDING_ID", f.findingID)
        e.append("GUESTCAP_TRANSITION_ID", transitionID)
        return e
    }

    /// `guest web-01: unjustified-immunity opened: told mds-no but this host is affected (…)`.
    static func message(_ kind: TransitionKind, _ f: FindingRecord) -> String {
        let who: String
        if f.source == nil {
            who = "host"
        } else {
            who = "guest " + (f.guestName ?? f.configPath ?? f.subject)
        }
        let pool = f.poolHost.map { " (pool host \($0))" } ?? ""
        switch kind {
        case .opened: return "\(who): \(f.rule.rawValue)\(pool): \(f.message)"
        case .resolved:
            return "\(who): \(f.rule.rawValue)\(pool) resolved"
                + (f.bits.isEmpty ? "" : " (\(f.bits.names.joined(separator: ", ")))")
        case .waived:
            return "\(who): \(f.rule.rawValue)\(pool) waived until \(f.waiverExpires ?? "?"): \(f.waiverReason ?? "")"
        case .waiverExpired:
            return
                "\(who): waiver for \(f.rule.rawValue)\(pool) expired \(f.waiverExpires ?? ""); active again: \(f.message)"
        }
    }

    /// The reason part of an unreadable finding's message (`PATH: reason` → `reason`).
    static func errorText(_ f: FindingRecord) -> String {
        if let path = f.configPath, f.message.hasPrefix(path + ": ") {
            return String(f.message.dropFirst(path.count + 2))
        }
        return f.message
    }
}
