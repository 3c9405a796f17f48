import Foundation
import GuestCapCore
import GuestCapStore

/// `guestcap history` as text: one line per event, wrapped with an indent.
public enum HistoryTextRenderer {
    /// The events, each line fitted to `width` columns (nil: whole lines).
    public static func render(_ events: [HistoryEvent], width: Int? = nil) -> String {
        if events.isEmpty { return "No events match.\n" }
        var out = ""
        for e in events { out += TextWrap.wrapLine(line(e), width: width ?? .max, continuation: 4) + "\n" }
        return out
    }

    /// One event on one line.
    public static func line(_ e: HistoryEvent) -> String {
        let when = ReportCoding.formatDate(e.at)
        if let h = e.hostChange {
            return "\(when)  host-changed    \(h.current.snapshot.hostname): " + h.changes.joined(separator: "; ")
                + (h.note.map { " (\($0))" } ?? "")
        }
        guard let r = e.finding else { return "\(when)  \(e.kind.rawValue)" }
        let kind = e.kind.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)
        let who = r.guestName ?? r.configPath ?? r.subject
        let bits = r.bits.isEmpty ? "" : " [\(r.bits.names.joined(separator: ","))]"
        return
            "\(when)  \(kind) \(r.severity.rawValue) \(r.rule.rawValue)\(bits)  \(who) (\(r.source?.rawValue ?? "host")): \(r.message)"
    }
}
