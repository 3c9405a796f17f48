import SystemPackage

/// Where journal entries go. ``SystemJournal`` in the daemon; tests can substitute one that
/// fails, to exercise the "journald unreachable" path without stopping the shared journald.
public protocol JournalTransport: Sendable {
    /// Sends one entry. Throws the errno `sd_journal_sendv` returned (e.g. `ECONNREFUSED`
    /// when journald is not running).
    func send(_ entry: JournalEntry) throws(JournalError)
}

/// A failed send: which entry and why.
public struct JournalError: Error, Sendable, CustomStringConvertible {
    /// The errno.
    public let errno: Errno
    /// The entry's `MESSAGE_ID` or message, for the log line.
    public let what: String

    /// Creates an error.
    public init(errno: Errno, what: String) {
        self.errno = errno
        self.what = what
    }

    public var description: String {
        "the journal did not accept \(what): \(errno) (is systemd-journald running and /run/systemd/journal/socket reachable?)"
    }
}
