import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// The daemon's operational log (swift-log) written to the journal: PRIORITY from the level,
/// each metadata key a `GUESTCAP_` field, and where in the code the line was logged. Without
/// it, systemd files the daemon's standard error at PRIORITY 6 whatever the line says, and
/// `journalctl -p err` misses a real error. A line the journal does not take goes to
/// standard error instead.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let transport: any JournalTransport
    private var fallback: StreamLogHandler

    /// A handler for the logger `label` over `transport` (the journal itself by default).
    public init(label: String, level: Logger.Level = .info, transport: any JournalTransport = SystemJournal()) {
        self.logLevel = level
        self.transport = transport
        self.fallback = StreamLogHandler.standardError(label: label)
        self.fallback.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        if let error = event.error { all["error"] = "\(error)" }
        let entry = Self.entry(
            level: event.level, message: "\(event.message)", metadata: all,
            file: event.file, function: event.function, line: event.line)
        do {
            try transport.send(entry)
        } catch {
            var copy = event
            copy.metadata = all
            fallback.log(event: copy)
        }
    }

    /// The entry for one log line. Metadata keys become `GUESTCAP_KEY` (a key already named
    /// `GUESTCAP_…`, as the journal sink's fallback passes them, is kept).
    static func entry(
        level: Logger.Level, message: String, metadata: Logger.Metadata,
        file: String, function: String, line: UInt
    ) -> JournalEntry {
        var e = JournalEntry(message: message, priority: priority(level))
        for key in metadata.keys.sorted() {
            let name = JournalEntry.fieldName(key)
            e.append(name.hasPrefix("GUESTCAP_") ? name : "GUESTCAP_" + name, "\(metadata[key]!)")
        }
        e.append("CODE_FILE", file)
        e.append("CODE_LINE", String(line))
        e.append("CODE_FUNC", function)
        return e
    }

    /// syslog priority of a level: critical 2, error 3, warning 4, notice 5, info 6, debug and trace 7.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    /// Whether standard error is systemd's stream to the journal (`JOURNAL_STREAM`, set by
    /// systemd to the stream's "device:inode", matches file descriptor 2): then lines are
    /// better sent natively; on a terminal or a pipe they stay on standard error.
    public static func stderrIsJournal(environment: [String: String], fd: Int32 = 2) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        guard let st = try? FileDescriptor(rawValue: fd).stat() else { return false }
        return UInt64(st.deviceID.rawValue) == dev && UInt64(st.inode.rawValue) == ino
    }
}
