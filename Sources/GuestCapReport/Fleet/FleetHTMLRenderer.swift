import Foundation
import GuestCapCore

/// `guestcap fleet --format html`: the fleet report as one self-contained page; every value goes
/// in through ``HTML``, so it is escaped.
public enum FleetHTMLRenderer {
    /// The page; lists stop at `limit` rows (the JSON form has them all).
    public static func render(_ r: FleetReport, limit: Int = 500) -> String {
        let t = r.totals
        var p = HTMLPage()
        let when = r.period.map { "\(ReportCoding.formatDate($0.from)) to \(ReportCoding.formatDate($0.to))" } ?? ""
        p.write(
            """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>guestcap fleet report</title>
            <style>\(raw: HTMLRenderer.css)</style></head>
            <body data-hosts="\(r.inputs.hosts)" data-guests="\(t.guests)" data-violating="\(t.violating)">
            <header><h1>guestcap fleet report</h1><p class="sub">\(r.inputs.sourceText)\(when.isEmpty ? "" : " · " + when)</p></header>
            <section id="summary"><h2>Summary</h2><div class="cards">
            """)
        func card(_ id: String, _ label: String, _ n: Int, _ cls: String = "") {
            p.write(
                "<div class=\"card \(cls)\"><span class=\"n\" id=\"count-\(id)\">\(n)</span><span>\(label)</span></div>"
            )
        }
        card("hosts", "hosts", r.inputs.hosts)
        card("hosts-violating", "hosts with violations", t.hostsWithViolations, t.hostsWithViolations > 0 ? "bad" : "")
        card("guests", "guests", t.guests)
        card("violating", "violating", t.violating, t.violating > 0 ? "bad" : "")
        card("waived", "waived", t.waived)
        card("unreadable", "unreadable", t.unreadable)
        card("compliant", "compliant", t.compliant, "good")
        card("migrated", "on several hosts", r.migratedGuests.count)
        p.write("</div>")
        for u in r.inputs.unreadable { p.write("<p class=\"note bad-t\">unreadable: \(u.path): \(u.reason)</p>") }
        p.write("</section>\n")

        table(
            &p, id: "worst", title: "Worst hosts",
            header: ["host", "violating", "open critical", "open error", "unreadable", "guests", "J", "file"],
            rows: r.worstHosts.map {
                [
                    $0.hostname, "\($0.violating)", "\($0.openCritical)", "\($0.openError)",
                    "\($0.unreadable)", "\($0.guests)", $0.justified, $0.file,
                ]
            }, limit: limit)
        table(
            &p, id: "rules", title: "Findings by rule",
            header: ["rule", "severity", "open", "waived", "resolved", "hosts", "guests"],
            rows: r.findingsByRule.map {
                [
                    $0.rule, $0.severities.joined(separator: ", "), "\($0.open)", "\($0.waived)",
                    "\($0.resolved)", "\($0.hosts)", "\($0.guests)",
                ]
            }, limit: limit)
        table(
            &p, id: "states", title: "Host states", header: ["hosts", "status", "MSR 0x10a", "J", "e.g."],
            rows: r.hostStates.map { ["\($0.hosts)", $0.status, $0.msr, $0.justified, $0.example] }, limit: limit)
        var mig: [[String]] = []
        for g in r.migratedGuests {
            for s in g.hosts {
                mig.append([
                    g.name ?? "-", g.uuid, g.toldDifferently ? "yes" : "", s.host,
                    s.value.map { "\($0) \((s.bits ?? []).joined(separator: ", "))" } ?? "-",
                    s.visible == false ? "no" : "yes", s.status,
                ])
            }
        }
        table(
            &p, id: "migrated", title: "Guests on several hosts",
            header: ["guest", "uuid", "told differently", "host", "told", "visible", "status"], rows: mig, limit: limit)
        p.write("<section id=\"matrix\"><h2>Migration matrix</h2>")
        if r.migrationMatrix.isEmpty { p.write("<p>No migration-unsafe findings.</p>") }
        for pool in r.migrationMatrix {
            p.write(
                "<h3>pool \(pool.pool)</h3><div class=\"scroll\"><table class=\"matrix\"><thead><tr><th class=\"gname\">guest</th><th>on</th>"
            )
            for h in pool.poolHosts {
                p.write("<th>\(h)<br><span class=\"dim\">\(pool.guestsUnsafeByHost[h] ?? 0)</span></th>")
            }
            p.write("</tr></thead><tbody>")
            for row in pool.rows.prefix(limit) {
                p.write("<tr><th class=\"gname\">\(row.guest)</th><td>\(row.host)</td>")
                for h in pool.poolHosts {
                    if let bits = row.unsafe[h] {
                        p.write("<td class=\"cell bad\">\(bits.joined(separator: ", "))</td>")
                    } else {
                        p.write("<td class=\"cell ok\">✓</td>")
                    }
                }
                p.write("</tr>")
            }
            p.write("</tbody></table></div>")
            if pool.rowCount > limit { p.write("<p class=\"note\">… and \(pool.rowCount - limit) more guests.</p>") }
        }
        p.write(
            "</section>\n<footer>\(FleetReport.formatName) · generated \(ReportCoding.formatDate(r.generatedAt))</footer></body></html>\n"
        )
        return p.text
    }

    private static func table(
        _ p: inout HTMLPage, id: String, title: String, header: [String], rows: [[String]],
        limit: Int
    ) {
        p.write("<section id=\"\(id)\"><h2>\(title) (\(rows.count))</h2>")
        guard !rows.isEmpty else {
            p.write("<p>None.</p></section>\n")
            return
        }
        let th = header.map { h -> HTML in "<th>\(h)</th>" }.joined()
        p.write("<table class=\"grid\"><thead><tr>\(th)</tr></thead><tbody>")
        for row in rows.prefix(limit) { p.write("<tr>\(row.map { cell -> HTML in "<td>\(cell)</td>" }.joined())</tr>") }
        p.write("</tbody></table>")
        if rows.count > limit { p.write("<p class=\"note\">… and \(rows.count - limit) more.</p>") }
        p.write("</section>\n")
    }
}
