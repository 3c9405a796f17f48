import Foundation
import GuestCapCore

/// `export --format html`: one self-contained page (inline CSS, no script, no external asset)
/// that an auditor can open or print: the host and its MSR decode, a summary, a guest × bit
/// matrix of what each guest is told against what the host backs, the findings, and the timeline
/// of the period.
///
/// The counts are also on `<body>` as `data-*` attributes and in elements with ids
/// (`count-guests`, …), so a browser test can read what was rendered.
public enum HTMLRenderer {
    /// The whole page.
    public static func render(_ report: ReportDocument, version: String = "") -> String {
        var page = HTMLPage()
        write(report, version: version, into: &page)
        return page.text
    }

    /// The page handed to `sink` in pieces of about `chunkSize` bytes as it is made: a long
    /// period's page is hundreds of megabytes.
    /// - Throws: the first error `sink` throws (nothing more is handed to it after that).
    public static func write(_ report: ReportDocument, version: String = "", chunkSize: Int = 1 << 20,
                             to sink: @escaping (String) throws -> Void) throws {
        var page = HTMLPage(chunkSize: chunkSize, sink: sink)
        write(report, version: version, into: &page)
        page.flush()
        if let failure = page.failure { throw failure }
    }

    private static func write(_ report: ReportDocument, version: String, into page: inout HTMLPage) {
        let s = report.summary
        // Counted in place: a copy of every finding costs a long period's page 100 MB.
        var total = 0, open = 0, waived = 0, resolved = 0
        for list in [report.hostFindings] + report.guests.map(\.findings) {
            total += list.count
            open += list.count { $0.state == .open }
            waived += list.count { $0.state == .waived }
            resolved += list.count { $0.state == .resolved }
        }
        let when = report.period.map { "\(day($0.from)) – \(day($0.to))" } ?? day(report.generatedAt)
        page.raw("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>guestcap report: \(esc(report.host.hostname)), \(esc(when))</title>
            <style>\(css)\(report.guests.contains { differingRequest($0) != nil } ? "\n" + requestCSS : "")</style></head>
            <body data-guests="\(s.guests)" data-compliant="\(s.compliant)" data-violating="\(s.violating)" \
            data-waived="\(s.waived)" data-unreadable="\(s.unreadable)" data-findings="\(total)" \
            data-open-findings="\(open)" data-waived-findings="\(waived)" data-resolved-findings="\(resolved)">

            """)
        header(&page, report, when: when)
        summary(&page, report, findings: total, open: open, waived: waived, resolved: resolved)
        host(&page, report)
        matrix(&page, report)
        findings(&page, report)
        timeline(&page, report)
        msrDecode(&page, report)
        page.raw("""
            <footer>guestcap\(version.isEmpty ? "" : " " + esc(version)) · \(ReportDocument.formatName) · \
            generated \(esc(ReportCoding.formatDate(report.generatedAt)))\
            \(report.policy.map { " · policy SHA-256 <code>\(esc($0.sha256))</code>" } ?? "")</footer>
            </body></html>

            """)
    }

    // MARK: - Sections

    private static func header(_ p: inout HTMLPage, _ r: ReportDocument, when: String) {
        p.raw("<header><h1>guestcap compliance report</h1><p class=\"sub\">")
        p.raw("Host <strong>\(esc(r.host.hostname))</strong> · ")
        if let period = r.period {
            p.raw("period <strong>\(esc(ReportCoding.formatDate(period.from)))</strong> to ")
            p.raw("<strong>\(esc(ReportCoding.formatDate(period.to)))</strong> (UTC)")
        } else {
            p.raw("checked \(esc(ReportCoding.formatDate(r.generatedAt))) (UTC)")
        }
        p.raw("</p><p class=\"sub\">What every guest on this host is told in IA32_ARCH_CAPABILITIES (MSR 0x10a), ")
        p.raw("and whether the host backs it. ")
        if let policy = r.policy {
            p.raw("Policy \(esc(policy.path ?? "built-in")), SHA-256 <code>\(esc(policy.sha256))</code>.")
        }
        p.raw("</p></header>\n")
    }

    private static func summary(_ p: inout HTMLPage, _ r: ReportDocument, findings: Int, open: Int, waived: Int,
                                resolved: Int) {
        let s = r.summary
        p.raw("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">")
        func card(_ id: String, _ label: String, _ n: Int, _ cls: String) {
            p.raw("<div class=\"card \(cls)\"><span class=\"n\" id=\"count-\(id)\">\(n)</span><span>\(label)</span></div>")
        }
        card("guests", "guests", s.guests, "")
        card("violating", "violating", s.violating, s.violating > 0 ? "bad" : "")
        card("waived", "waived", s.waived, s.waived > 0 ? "warn" : "")
        card("unreadable", "unreadable", s.unreadable, s.unreadable > 0 ? "warn" : "")
        card("compliant", "compliant", s.compliant, "good")
        card("findings", "findings", findings, "")
        card("open-findings", "open", open, open > 0 ? "bad" : "")
        card("waived-findings", "waived findings", waived, "")
        card("resolved-findings", "resolved", resolved, "")
        p.raw("</div>")
        if r.period != nil {
            p.raw("<p class=\"note\">A guest's status is the worst it had during the period; a finding's state is its state at the end of the period.</p>")
        }
        p.raw("</section>\n")
    }

    private static func host(_ p: inout HTMLPage, _ r: ReportDocument) {
        let h = r.host
        p.raw("<section id=\"host\"><h2>Host</h2><table class=\"kv\">")
        func kv(_ k: String, _ v: String) { p.raw("<tr><th>\(esc(k))</th><td>\(v)</td></tr>") }
        kv("hostname", esc(h.hostname))
        kv("machine id", esc(h.machineID ?? "-"))
        kv("kernel", esc(h.kernel ?? "-"))
        let cpu = [h.cpu.vendor, h.cpu.family.map { "family \($0)" }, h.cpu.model.map { "model \($0)" },
                   h.cpu.stepping.map { "stepping \($0)" }].compactMap { $0 }.joined(separator: " ")
        kv("CPU", esc(cpu.isEmpty ? "-" : cpu) + (h.cpu.modelName.map { " <span class=\"dim\">(\(esc($0)))</span>" } ?? ""))
        kv("microcode", esc(h.cpu.microcode ?? "-"))
        kv("MSR 0x10a", "<code>\(esc(h.archCapabilities.value))</code> · \(esc(h.archCapabilities.status.rawValue))"
            + " on \(h.archCapabilities.cpus.count) CPU(s)"
            + (h.archCapabilities.error.map { " · <span class=\"bad-t\">\(esc($0))</span>" } ?? ""))
        kv("justified (J)", "<code>\(esc(h.justified.value))</code> \(esc(h.justified.bits.joined(separator: ", ")))")
        kv("KVM default", "<code>\(esc(h.kvmDefault.value))</code> \(esc(h.kvmDefault.bits.joined(separator: ", ")))")
        if let since = h.since { kv("state since", esc(ReportCoding.formatDate(since))) }
        p.raw("</table>")
        for note in h.notes ?? [] { p.raw("<p class=\"note\">\(esc(note))</p>") }
        p.raw("<p class=\"note\">Every bit of MSR 0x10a, its source in J and the host's states during the period: <a href=\"#decode\">MSR decode</a> below.</p>")
        if !r.hostFindings.isEmpty {
            p.raw("<h3>Host findings</h3><ul>")
            for f in r.hostFindings {
                p.raw("<li>\(badge(f.severity)) <code>\(esc(f.rule))</code> \(esc(f.state.rawValue)): \(esc(f.message))</li>")
            }
            p.raw("</ul>")
        }
        p.raw("</section>\n")
    }

    private static func msrDecode(_ p: inout HTMLPage, _ r: ReportDocument) {
        let h = r.host
        p.raw("<section id=\"decode\"><h2>MSR 0x10a decode</h2>")
        // Every defined bit, plus reserved bits that are set anywhere.
        let hw = Set(h.archCapabilities.bits), j = Set(h.justified.bits), kvm = Set(h.kvmDefault.bits)
        p.raw("<table class=\"grid\"><thead><tr><th>bit</th><th>name</th><th>class</th>")
        p.raw("<th>host MSR</th><th>KVM default</th><th>J</th><th>why (source of J)</th><th>meaning</th></tr></thead><tbody>")
        for bit in ArchCapCatalog.all where bit.bitClass != .reserved || hw.contains(bit.name) || j.contains(bit.name) {
            let inJ = j.contains(bit.name)
            let why = h.justified.sources[bit.name]
                ?? ArchCapCatalog.verdictFile[bit.name].map { f in h.vulnerabilities[f].map { "\(f): \($0)" } ?? "" } ?? ""
            p.raw("<tr><td>\(bit.number)</td><td><code>\(esc(bit.name))</code></td><td>\(bit.bitClass.rawValue)</td>")
            p.raw("<td>\(mark(hw.contains(bit.name)))</td><td>\(mark(kvm.contains(bit.name)))</td>")
            p.raw("<td class=\"\(inJ ? "good-t" : "dim")\">\(inJ ? "yes" : "no")</td><td>\(esc(why))</td>")
            p.raw("<td class=\"dim\">\(esc(bit.meaning))</td></tr>")
        }
        p.raw("</tbody></table>")
        if let snaps = r.hostSnapshots, !snaps.isEmpty {
            p.raw("<h3>Host states during the period (\(snaps.count))</h3><table class=\"grid\"><thead><tr><th>since</th>")
            p.raw("<th>kernel</th><th>microcode</th><th>MSR 0x10a</th><th>J</th></tr></thead><tbody>")
            for s in snaps {
                p.raw("<tr><td>\(esc(s.since.map(ReportCoding.formatDate) ?? "-"))</td><td>\(esc(s.kernel ?? "-"))</td>")
                p.raw("<td>\(esc(s.cpu.microcode ?? "-"))</td><td><code>\(esc(s.archCapabilities.value))</code></td>")
                p.raw("<td><code>\(esc(s.justified.value))</code></td></tr>")
            }
            p.raw("</tbody></table>")
        }
        p.raw("</section>\n")
    }

    private static func matrix(_ p: inout HTMLPage, _ r: ReportDocument) {
        let j = Set(r.host.justified.bits)
        var columns = Set(r.host.justified.bits).union(r.host.archCapabilities.bits)
        var asks = false
        for g in r.guests {
            columns.formUnion(g.archCapabilities?.bits ?? [])
            if let requested = Self.differingRequest(g) {
                columns.formUnion(requested.bits)
                asks = true
            }
        }
        let bits = ArchCapCatalog.all.filter { columns.contains($0.name) }
        p.raw("<section id=\"matrix\"><h2>Guests × bits</h2>")
        p.raw("<p class=\"legend\"><span class=\"cell ok\">✓</span> told, and the host backs it · ")
        p.raw("<span class=\"cell bad\">✗</span> told, and the host does <em>not</em> back it · ")
        p.raw("<span class=\"cell miss\">○</span> not told, though the host backs it (immunity) · ")
        p.raw("<span class=\"cell hidden\">–</span> the guest cannot read the MSR")
        if asks {
            // Only pages with such a guest get the extra legend: others keep their bytes.
            p.raw(" · <span class=\"cell drop\">↓</span> asked for by the configuration, dropped by the VMM ")
            p.raw("(the <em>asks for</em> row under a guest told something else than it asks for)")
        }
        p.raw("</p>")
        guard !r.guests.isEmpty else {
            p.raw("<p>No guests.</p></section>\n")
            return
        }
        p.raw("<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th class=\"gname\">guest</th><th>status</th>")
        for b in bits {
            p.raw("<th class=\"rot \(b.bitClass.rawValue)\" title=\"bit \(b.number), \(b.bitClass.rawValue)\"><div>\(esc(b.name))</div></th>")
        }
        p.raw("</tr><tr class=\"jrow\"><th class=\"gname\">host backs (J)</th><th></th>")
        for b in bits { p.raw("<td class=\"cell \(j.contains(b.name) ? "ok" : "")\">\(j.contains(b.name) ? "✓" : "")</td>") }
        p.raw("</tr></thead><tbody>")
        for g in sortedGuests(r.guests) {
            p.raw("<tr class=\"guest\" data-status=\"\(esc(g.status))\"><th class=\"gname\">\(esc(g.name ?? g.path))")
            p.raw("<span class=\"src\">\(esc(g.source.rawValue))</span></th><td>\(statusBadge(g.status))</td>")
            guard let adv = g.archCapabilities else {
                p.raw("<td class=\"cell hidden\" colspan=\"\(bits.count)\">\(esc(g.error ?? "configuration not read"))</td></tr>")
                continue
            }
            let told = Set(adv.bits)
            for b in bits {
                let tip = adv.provenance[b.name].map { " title=\"\(esc($0))\"" } ?? ""
                if !adv.visible {
                    p.raw("<td class=\"cell hidden\"\(tip)>\(told.contains(b.name) ? "–" : "")</td>")
                } else if told.contains(b.name) {
                    let backed = j.contains(b.name) || b.bitClass == .disclosure
                    p.raw("<td class=\"cell \(backed ? "ok" : "bad")\"\(tip)>\(backed ? "✓" : "✗")</td>")
                } else if j.contains(b.name) && b.bitClass == .immunity {
                    p.raw("<td class=\"cell miss\">○</td>")
                } else {
                    p.raw("<td class=\"cell\"></td>")
                }
            }
            p.raw("</tr>")
            if let requested = Self.differingRequest(g) { requestRow(&p, adv, requested, bits: bits) }
        }
        p.raw("</tbody></table></div></section>\n")
    }

    /// R, when it differs from G (value or visibility): what the matrix and findings show besides G.
    static func differingRequest(_ g: GuestDocument) -> GuestDocument.Requested? {
        guard let a = g.archCapabilities, let r = a.requested, r.value != a.value || r.visible != a.visible
        else { return nil }
        return r
    }

    /// The row under a guest told something else than it asks for: what its configuration asks
    /// for, each bit the VMM drops marked.
    private static func requestRow(_ p: inout HTMLPage, _ told: GuestDocument.Advertised,
                                   _ r: GuestDocument.Requested, bits: [ArchCapBit]) {
        let vmm = told.vmm.map { " <span class=\"src\">\(esc($0))</span>" } ?? ""
        p.raw("<tr class=\"requested\"><th class=\"gname ask\">asks for\(vmm)</th><td></td>")
        let asked = Set(r.bits), passed = Set(told.bits)
        for b in bits {
            let tip = r.provenance[b.name].map { " title=\"\(esc($0))\"" } ?? ""
            if !r.visible {
                p.raw("<td class=\"cell hidden\"\(tip)>\(asked.contains(b.name) ? "–" : "")</td>")
            } else if asked.contains(b.name) {
                let dropped = !told.visible || !passed.contains(b.name)
                p.raw("<td class=\"cell \(dropped ? "drop" : "asked")\"\(tip)>\(dropped ? "↓" : "✓")</td>")
            } else {
                p.raw("<td class=\"cell\"></td>")
            }
        }
        p.raw("</tr>")
    }

    private static func findings(_ p: inout HTMLPage, _ r: ReportDocument) {
        var rows: [(guest: String, f: FindingDocument)] = r.hostFindings.map { ("(host)", $0) }
        for g in sortedGuests(r.guests) { rows += g.findings.map { (g.name ?? g.path, $0) } }
        p.raw("<section id=\"findings\"><h2>Findings (\(rows.count))</h2>")
        guard !rows.isEmpty else {
            p.raw("<p>No findings.</p></section>\n")
            return
        }
        p.raw("<table class=\"grid findings\"><thead><tr><th>guest</th><th>severity</th><th>rule</th><th>bits</th>")
        p.raw("<th>state</th><th>opened</th><th>resolved</th><th>waiver</th><th>message</th></tr></thead><tbody>")
        for (guest, f) in rows {
            p.raw("<tr class=\"finding \(f.state.rawValue)\"><td>\(esc(guest))</td><td>\(badge(f.severity))</td>")
            p.raw("<td><code>\(esc(f.rule))</code>\(f.poolHost.map { poolHost($0, f.direction) } ?? "")</td>")
            p.raw("<td>\(esc(f.bits.joined(separator: ", ")))</td><td>\(esc(f.state.rawValue))</td>")
            p.raw("<td>\(esc(f.firstSeen.map(ReportCoding.formatDate) ?? "-"))</td>")
            p.raw("<td>\(esc(f.resolvedAt.map(ReportCoding.formatDate) ?? "-"))</td>")
            p.raw("<td>\(f.waiver.map { "\(esc($0.reason)) <span class=\"dim\">(until \(esc($0.expires)))</span>" } ?? "")</td>")
            p.raw("<td class=\"msg\">\(esc(f.message))")
            for o in f.origins ?? [] { p.raw("<br><code class=\"origin\">\(esc(o))</code>") }
            p.raw("</td></tr>")
        }
        p.raw("</tbody></table></section>\n")
    }

    private static func timeline(_ p: inout HTMLPage, _ r: ReportDocument) {
        p.raw("<section id=\"timeline\"><h2>Timeline</h2>")
        guard let period = r.period else {
            p.raw("<p>A check report covers one moment; the timeline is in exports.</p></section>\n")
            return
        }
        struct Event { let at: Date; let what: String; let subject: String; let detail: String; let cls: String }
        var events: [Event] = []
        let inside = { (d: Date) in d >= period.from && d < period.to }
        for s in r.hostSnapshots ?? [] {
            if let since = s.since, inside(since) {
                events.append(Event(at: since, what: "host state", subject: s.hostname,
                                    detail: "kernel \(s.kernel ?? "-"), microcode \(s.cpu.microcode ?? "-"), MSR \(s.archCapabilities.value), J \(s.justified.value)",
                                    cls: "host"))
            }
        }
        var bars: [(label: String, f: FindingDocument)] = []
        for (guest, list) in [("(host)", r.hostFindings)] + r.guests.map({ ($0.name ?? $0.path, $0.findings) }) {
            for f in list {
                let detail = "\(f.rule) \(f.bits.joined(separator: ","))"
                if let d = f.firstSeen, inside(d) {
                    events.append(Event(at: d, what: f.state == .waived ? "opened (waived)" : "opened", subject: guest,
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
            p.raw("<div class=\"gantt\"><div class=\"axis\"><span>\(esc(ReportCoding.formatDate(period.from)))</span>")
            p.raw("<span>\(esc(ReportCoding.formatDate(period.to)))</span></div>")
            for (label, f) in bars.prefix(200) {
                let start = max(f.firstSeen ?? period.from, period.from), end = min(f.resolvedAt ?? period.to, period.to)
                let left = max(0, start.timeIntervalSince(period.from) / span * 100)
                let width = max(0.5, end.timeIntervalSince(start) / span * 100)
                p.raw("<div class=\"bar-row\"><span class=\"bar-label\">\(esc(label)) · \(esc(f.rule))</span>")
                p.raw("<span class=\"bar-track\"><span class=\"bar \(f.severity.rawValue) \(f.state.rawValue)\" ")
                p.raw("style=\"left:\(String(format: "%.2f", left))%;width:\(String(format: "%.2f", min(width, 100 - left)))%\">")
                p.raw("</span></span></div>")
            }
            if bars.count > 200 { p.raw("<p class=\"note\">… and \(bars.count - 200) more findings.</p>") }
            p.raw("</div>")
        }
        events.sort { ($0.at, $0.subject) < ($1.at, $1.subject) }
        if events.isEmpty {
            p.raw("<p>Nothing changed during the period.</p>")
        } else {
            p.raw("<table class=\"grid events\"><thead><tr><th>time (UTC)</th><th>event</th><th>subject</th><th>detail</th></tr></thead><tbody>")
            for e in events {
                p.raw("<tr class=\"ev \(e.cls)\"><td>\(esc(ReportCoding.formatDate(e.at)))</td><td>\(esc(e.what))</td>")
                p.raw("<td>\(esc(e.subject))</td><td>\(esc(e.detail))</td></tr>")
            }
            p.raw("</tbody></table>")
        }
        p.raw("</section>\n")
    }

    // MARK: - Helpers

    private static func sortedGuests(_ guests: [GuestDocument]) -> [GuestDocument] {
        guests.sorted {
            let a = GuestStatus(rawValue: $0.status) ?? .compliant, b = GuestStatus(rawValue: $1.status) ?? .compliant
            return (a, $0.name ?? $0.path, $0.source) < (b, $1.name ?? $1.path, $1.source)
        }
    }

    /// The pool host of a migration finding and which way the guest moves: `→ host` (told here,
    /// moved there; also findings from before directions existed), `← host` (booted there, moved here).
    private static func poolHost(_ host: String, _ direction: MigrationDirection?) -> String {
        direction == .incoming
            ? "<br><span class=\"dim\" title=\"booted on \(esc(host)), moved here\">← \(esc(host)) (incoming)</span>"
            : "<br><span class=\"dim\">→ \(esc(host))</span>"
    }

    private static func mark(_ on: Bool) -> String { on ? "✓" : "" }

    private static func badge(_ s: Severity) -> String { "<span class=\"sev \(s.rawValue)\">\(s.rawValue)</span>" }

    private static func statusBadge(_ s: String) -> String { "<span class=\"st \(esc(s))\">\(esc(s))</span>" }

    private static func day(_ d: Date) -> String { String(ReportCoding.formatDate(d).prefix(10)) }

    /// HTML-escapes text for element content and quoted attributes.
    static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static let css = """
        :root{--bad:#b3261e;--crit:#7f1d1d;--warn:#a15c00;--good:#1b6e3a;--dim:#666;--line:#ddd}
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d1d1f;max-width:1400px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #222;padding-bottom:2px}
        h3{font-size:15px;margin:18px 0 6px}.sub{margin:2px 0;color:#333}code{font:12px ui-monospace,Menlo,Consolas,monospace}
        .cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:88px}
        .card .n{display:block;font-size:24px;font-weight:700}.card.bad .n{color:var(--bad)}.card.warn .n{color:var(--warn)}
        .card.good .n{color:var(--good)}.note{color:var(--dim);font-size:12px}.dim{color:var(--dim)}
        .good-t{color:var(--good);font-weight:600}.bad-t{color:var(--bad)}
        table{border-collapse:collapse}table.kv th{text-align:left;padding:2px 14px 2px 0;color:#444;font-weight:600}
        table.grid{width:100%;font-size:13px}table.grid th,table.grid td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
        table.grid thead th{background:#f3f3f3}.scroll{overflow-x:auto}
        table.matrix{font-size:12px}table.matrix td,table.matrix th{border:1px solid var(--line);padding:2px 4px}
        table.matrix th.rot{height:120px;vertical-align:bottom;padding:0 2px;white-space:nowrap}
        table.matrix th.rot div{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:500}
        table.matrix th.immunity div{color:#124}table.matrix th.mitigation div{color:#413}
        th.gname{text-align:left;white-space:nowrap;font-weight:600}.src{color:var(--dim);font-weight:400;margin-left:6px;font-size:11px}
        .cell{text-align:center;min-width:18px;font-weight:700}.cell.ok{background:#e3f4e8;color:var(--good)}
        .cell.bad{background:#fbe1df;color:var(--bad)}.cell.miss{color:#999;font-weight:400}.cell.hidden{background:#f2f2f2;color:#888;font-weight:400}
        tr.jrow td{border-bottom:2px solid #444}.legend .cell{display:inline-block;padding:0 4px;border:1px solid var(--line)}
        .sev,.st{display:inline-block;border-radius:3px;padding:0 5px;font-size:11px;font-weight:700;text-transform:uppercase;color:#fff}
        .sev.critical{background:var(--crit)}.sev.error{background:var(--bad)}.sev.warning{background:var(--warn)}
        .sev.notice{background:#2b5c9e}.sev.info{background:#888}.st.violating{background:var(--bad)}.st.compliant{background:var(--good)}
        .st.waived{background:var(--warn)}.st.unreadable{background:#555}tr.finding.resolved{color:var(--dim)}
        .origin{color:#444}.msg{max-width:520px}table.findings td:first-child,table.findings td:nth-child(6),table.findings td:nth-child(7){white-space:nowrap}
        .gantt{margin:8px 0 14px}.axis{display:flex;justify-content:space-between;margin-left:280px;font-size:11px;color:var(--dim)}
        .bar-row{display:flex;align-items:center;height:16px;font-size:11px}.bar-label{width:280px;overflow:hidden;white-space:nowrap;text-overflow:ellipsis}
        .bar-track{position:relative;flex:1;height:10px;background:#f4f4f4}.bar{position:absolute;top:0;height:10px;border-radius:2px}
        .bar.critical{background:var(--crit)}.bar.error{background:var(--bad)}.bar.warning{background:var(--warn)}
        .bar.waived{opacity:.45}.bar.resolved{opacity:.6}
        tr.ev.critical td:nth-child(2),tr.ev.error td:nth-child(2){color:var(--bad);font-weight:600}tr.ev.resolved td:nth-child(2){color:var(--good)}
        footer{margin-top:28px;color:var(--dim);font-size:12px;border-top:1px solid var(--line);padding-top:6px}
        @media print{body{margin:0;max-width:none;font-size:11px}.scroll{overflow:visible}h2{break-after:avoid}tr{break-inside:avoid}
        .cell.ok,.cell.bad,.sev,.st,.bar{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
        """

    /// Styles for the *asks for* rows, only on pages that have one (the others keep their bytes).
    static let requestCSS = """
        th.ask{font-weight:400;font-style:italic;padding-left:14px}.cell.asked{color:#888;font-weight:400}
        .cell.drop{background:#fff4e0;color:var(--warn)}
        """
}

/// A string being built up, in one place so the renderer can stay a list of `raw` calls; with a
/// sink, handed over whenever it reaches `chunkSize` bytes.
struct HTMLPage {
    /// What is written and not yet handed to the sink.
    private(set) var text = ""
    private let chunkSize: Int
    private let sink: ((String) throws -> Void)?
    /// The sink's first error; the rest of the page is dropped.
    private(set) var failure: (any Error)?

    init(chunkSize: Int = .max, sink: ((String) throws -> Void)? = nil) {
        self.chunkSize = chunkSize
        self.sink = sink
    }

    mutating func raw(_ s: String) {
        text += s
        if text.utf8.count >= chunkSize { flush() }
    }

    mutating func flush() {
        guard let sink, !text.isEmpty else { return }
        if failure == nil {
            do { try sink(text) } catch { failure = error }
        }
        text = ""
    }
}
