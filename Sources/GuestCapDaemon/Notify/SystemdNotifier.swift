import CSystemd

/// `sd_notify` and `sd_watchdog_enabled`: talks to the service manager over `$NOTIFY_SOCKET`.
/// Without a manager (no `$NOTIFY_SOCKET`) every call is a harmless no-op.
public struct SystemdNotifier: Sendable {
    /// The notifier.
    public init() {}

    /// Sends a state string such as `READY=1\nSTATUS=…`. Returns whether a manager received it.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }

    /// The watchdog interval the manager expects (`$WATCHDOG_USEC` for this process), or nil.
    public func watchdogInterval() -> Duration? {
        var usec: UInt64 = 0
        guard sd_watchdog_enabled(0, &usec) > 0, usec > 0 else { return nil }
        return .microseconds(Int64(clamping: usec))
    }

    /// `STATUS=` text for systemctl status: `412 guests, 3 violating`.
    public static func status(guests: Int, violating: Int, extra: String? = nil) -> String {
        "\(guests) guest\(guests == 1 ? "" : "s"), \(violating) violating" + (extra.map { "; \($0)" } ?? "")
    }
}
