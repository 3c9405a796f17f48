import Logging
import Synchronization

/// Sends journal entries; when journald is unreachable it writes them to standard error
/// through the daemon's logger instead and says so once, and reports the failure so the
/// caller keeps the entry for a retry. Never blocks on anything but the send itself.
public final class JournalSink: Sendable {
    private let transport: any JournalTransport
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var failing = false
        var sent = 0
        var failed = 0
    }

    /// A sink over a transport; `logger` is the daemon's own stderr logger.
    public init(transport: any JournalTransport = SystemJournal(), logger: Logger) {
        self.transport = transport
        self.logger = logger
    }

    /// Sends one entry. Returns false when the journal did not take it (the entry has then
    /// been written to standard error).
    @discardableResult
    public func send(_ entry: JournalEntry) -> Bool {
        do {
            try transport.send(entry)
            let recovered = state.withLock { s in
                s.sent += 1
                defer { s.failing = false }
                return s.failing
            }
            if recovered { logger.notice("journal reachable again") }
            return true
        } catch {
            let first = state.withLock { s in
                s.failed += 1
                defer { s.failing = true }
                return !s.failing
            }
            if first {
                logger.error("journal unreachable; logging to stderr and retrying", metadata: ["error": "\(error)"])
            }
            logger.log(level: Self.level(entry), "\(entry.message)", metadata: Self.metadata(entry))
            return false
        }
    }

    /// Whether the last send failed.
    public var isFailing: Bool { state.withLock { $0.failing } }

    /// Entries sent and sends failed since start.
    public var counts: (sent: Int, failed: Int) { state.withLock { ($0.sent, $0.failed) } }

    static func level(_ entry: JournalEntry) -> Logger.Level {
        switch Int(entry["PRIORITY"] ?? "6") ?? 6 {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    static func metadata(_ entry: JournalEntry) -> Logger.Metadata {
        var m: Logger.Metadata = [:]
        for f in entry.fields where f.name != "MESSAGE" && f.name != "PRIORITY" && f.name != "SYSLOG_IDENTIFIER" {
            if case .string(let old)? = m[f.name] {
                m[f.name] = .string(old + "," + f.value)
            } else {
                m[f.name] = .string(f.value)
            }
        }
        return m
    }
}
