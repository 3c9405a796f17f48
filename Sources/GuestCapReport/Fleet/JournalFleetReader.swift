import CSystemd
import Foundation
import Glibc
import SystemPackage

/// Reads the guestcap entries of a journal folder (what `systemd-journal-remote` writes, one
/// file per sending host, or any folder of `.journal` files) into a ``FleetMerger``: the fleet
/// report from the central journal instead of from exports.
public struct JournalFleetReader: Sendable {
    /// How many worst hosts to keep.
    public var top: Int

    /// Creates a reader.
    public init(top: Int = 20) { self.top = top }

    /// Reads every guestcap entry under `directory` (oldest first, all files interleaved by time)
    /// and merges each host's state. A folder without guestcap entries is recorded as unreadable.
    /// - Throws: ``ExportError/missingInput(path:)`` when the folder does not exist, and
    ///   ``ExportError/unreadableReport(path:reason:)`` when libsystemd cannot open it.
    public func merge(directory: String) throws(ExportError) -> FleetMerger {
        guard let type = try? FilePath(directory).stat().type else { throw .missingInput(path: directory) }
        guard type == .directory else {
            throw .unreadableReport(
                path: directory,
                reason: "it is not a folder (--journal takes the folder systemd-journal-remote writes to)")
        }
        var replay = JournalReplay()
        try Self.entries(in: directory) { replay.add($0) }
        var merger = FleetMerger(top: top)
        merger.noteJournal(directory)
        let inputs = replay.inputs()
        if inputs.isEmpty {
            merger.noteUnreadable(
                path: directory, reason: "it holds no guestcap journal entries (SYSLOG_IDENTIFIER=guestcap)")
        }
        for input in inputs {
            merger.add(HostContribution(input, path: directory + " (" + input.host.hostname + ")"))
        }
        return merger
    }

    /// Calls `body` with each guestcap entry of the folder's journal files, oldest first.
    static func entries(in directory: String, _ body: (JournalReplay.Entry) -> Void) throws(ExportError) {
        var j: OpaquePointer?
        let r = sd_journal_open_directory(&j, directory, 0)
        guard r >= 0, let j else {
            throw .unreadableReport(
                path: directory, reason: "libsystemd cannot open it as a journal: \(String(cString: strerror(-r)))")
        }
        defer { sd_journal_close(j) }
        _ = sd_journal_add_match(j, "SYSLOG_IDENTIFIER=guestcap", 0)
        while true {
            let n = sd_journal_next(j)
            if n == 0 { return }
            // A corrupt tail (a file still being written, or cut short): what was read stands.
            if n < 0 { return }
            var usec: UInt64 = 0
            _ = sd_journal_get_realtime_usec(j, &usec)
            var fields: [String: String] = [:]
            for name in JournalReplay.fieldNames {
                var data: UnsafeRawPointer?
                var length = 0
                guard sd_journal_get_data(j, name, &data, &length) >= 0, let data, length > name.utf8.count else {
                    continue
                }
                let bytes = UnsafeRawBufferPointer(start: data, count: length).dropFirst(name.utf8.count + 1)
                fields[name] = String(decoding: bytes, as: UTF8.self)
            }
            body(JournalReplay.Entry(time: Date(timeIntervalSince1970: Double(usec) / 1_000_000), fields: fields))
        }
    }
}
