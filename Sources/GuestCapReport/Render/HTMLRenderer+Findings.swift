import Foundation
import GuestCapCore

/// The findings table and the period's timeline.
extension HTMLRenderer {
    static func findings(_ p: inout HTMLPage, _ r: ReportDocument) {
        var rows: [(guest: String, f: FindingDocument)] = r.hostFindings.map { ("(host)", $0) }
        for g in sortedGuests(r.guests) { rows += g.findings.map { (g.name ?? g.path, $0) } }
        p.write("<section id=\"findings\"><h2>Findings (\(rows.count))</h2>")
        guard !rows.isEmpty else {
            p.write("<p>No findings.</p></section>\n")
            return
        }
        p.write("<table class=\"grid findings\"><thead><tr><th>guest</th><th>severity</th><th>rule</th><th>bits</th>")
        p.write("<th>state</th><th>opened</th><th>resolved</th><th>waiver</th><th>message</th></tr></thead><tbody>")
        for (guest, f) in rows {
            let pool: HTML = f.poolHost.map { poolHost($0, f.direction) } ?? ""
            let waiver: HTML = f.waiver.map { "\($0.reason) <span class=\"dim\">(until \($0.expires))</span>" } ?? ""
            p.write("<tr class=\"finding \(f.state.rawValue)\"><td>\(guest)</td><td>\(badge(f.severity))</td>")
            p.write("<td><code>\(f.rule)</code>\(pool)</td>")
            p.write("<td>\(f.bits.joined(separator: ", "))</td><td>\(f.state.rawValue)</td>")
            p.write("<td>\(f.firstSeen.map(ReportCoding.formatDate) ?? "-")</td>")
            p.write("<td>\(f.resolvedAt.map(ReportCoding.formatDate) ?? "-")</td>")
            p.write("<td>\(waiver)</td>")
            p.write("<td class=\"msg\">\(f.message)")
            for o in f.origins ?? [] { p.write("<br><code class=\"origin\">\(o)</code>") }
            p.write("</td></tr>")
        }
        p.write("</tbody></table></section>\n")
    }

    static func timeline(_ p: inout HTMLPage, _ r: ReportDocument) {
        p.write("<section id=\"timeline\"><h2>Timeline</h2>")
        guard let period = r.period else {
            p.write("<p>A check report covers one moment; the timeline is in exports.</p></section>\n")
            return
        }
        struct Event {
            let at: Date
            let what: String
            let subject: String
            let detail: String
            let cls: String
        }
        var events: [Event] = []
        let inside = { (d: Date) in d >= period.from && d < period.to }
        for s in r.hostSnapshots ?? [] {
            if let since = s.since, inside(since) {
                events.append(
                    Event(
                        at: since, what: "host state", subject: s.hostname,
                        detail:
                            "kernel \(s.kernel ?? "-"), microcode \(s.cpu.microcode ?? "-"), MSR \(s.archCapabilities.value), J \(s.justified.value)",
                        cls: "host"))
            }
        }
        var bars: [(label: String, f: FindingDocument)] = []
        for (guest, list) in [("(host)", r.hostFindings)] + r.guests.map({ ($0.name ?? $0.path, $0.findings) }) {
            for f in list {
                let detail = "\(f.rule) \(f.bits.joined(separator: ","))"
                if let d = f.firstSeen, inside(d) {
                    events.append(
                        Event(
                            at: d, what: f.state == .waived ? "opened (waived)" : "opened", subject: guest,
                            detail: detail, cls: f.severity.rawValue))
                }
                if let d = f.resolvedAt, inside(d) {
                    events.append(Event(at: d, what: "resolved", subject: guest, detail: detail, cls: "resolved"))
                }
                if f.severity <= .warning { bars.append((guest, f)) }
            }
        }
        // Lifespans of warning-or-worse findings across the period, as bars.
        let span = period.to.timeIntervalSince(period.from)
        if !bars.isEmpty {
            p.write("<div class=\"gantt\"><div class=\"axis\"><span>\(ReportCoding.formatDate(period.from))</span>")
            p.write("<span>\(ReportCoding.formatDate(period.to))</span></div>")
            for (label, f) in bars.prefix(200) {
                let start = max(f.firstSeen ?? period.from, period.from)
                let end = min(f.resolvedAt ?? period.to, period.to)
                let left = max(0, start.timeIntervalSince(period.from) / span * 100)
                let width = max(0.5, end.timeIntervalSince(start) / span * 100)
                p.write("<div class=\"bar-row\"><span class=\"bar-label\">\(label) · \(f.rule)</span>")
                p.write("<span class=\"bar-track\"><span class=\"bar \(f.severity.rawValue) \(f.state.rawValue)\" ")
                p.write(
                    "style=\"left:\(String(format: "%.2f", left))%;width:\(String(format: "%.2f", min(width, 100 - left)))%\">"
                )
                p.write("</span></span></div>")
            }
            if bars.count > 200 { p.write("<p class=\"note\">… and \(bars.count - 200) more findings.</p>") }
            p.write("</div>")
        }
        events.sort { ($0.at, $0.subject) < ($1.at, $1.subject) }
        if events.isEmpty {
            p.write("<p>Nothing changed during the period.</p>")
        } else {
            p.write(
                "<table class=\"grid events\"><thead><tr><th>time (UTC)</th><th>event</th><th>subject</th><th>detail</th></tr></thead><tbody>"
            )
            for e in events {
                p.write("<tr class=\"ev \(e.cls)\"><td>\(ReportCoding.formatDate(e.at))</td><td>\(e.what)</td>")
                p.write("<td>\(e.subject)</td><td>\(e.detail)</td></tr>")
            }
            p.write("</tbody></table>")
        }
        p.write("</section>\n")
    }

    /// The pool host of a migration finding and which way the guest moves: `→ host` (told here,
    /// moved there; also findings from before directions existed), `← host` (booted there, moved here).
    private static func poolHost(_ host: String, _ direction: MigrationDirection?) -> HTML {
        direction == .incoming
            ? "<br><span class=\"dim\" title=\"booted on \(host), moved here\">← \(host) (incoming)</span>"
            : "<br><span class=\"dim\">→ \(host)</span>"
    }
}
