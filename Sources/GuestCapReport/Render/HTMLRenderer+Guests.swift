import Foundation
import GuestCapCore

/// The guest × bit matrix: what each guest is told against what the host backs.
extension HTMLRenderer {
    static func matrix(_ p: inout HTMLPage, _ r: ReportDocument) {
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
        p.write("<section id=\"matrix\"><h2>Guests × bits</h2>")
        p.write("<p class=\"legend\"><span class=\"cell ok\">✓</span> told, and the host backs it · ")
        p.write("<span class=\"cell bad\">✗</span> told, and the host does <em>not</em> back it · ")
        p.write("<span class=\"cell miss\">○</span> not told, though the host backs it (immunity) · ")
        p.write("<span class=\"cell hidden\">–</span> the guest cannot read the MSR")
        if asks {
            // Only pages with such a guest get the extra legend: others keep their bytes.
            p.write(" · <span class=\"cell drop\">↓</span> asked for by the configuration, dropped by the VMM ")
            p.write("(the <em>asks for</em> row under a guest told something else than it asks for)")
        }
        p.write("</p>")
        guard !r.guests.isEmpty else {
            p.write("<p>No guests.</p></section>\n")
            return
        }
        p.write(
            "<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th class=\"gname\">guest</th><th>status</th>")
        for b in bits {
            p.write(
                "<th class=\"rot \(b.bitClass.rawValue)\" title=\"bit \(b.number), \(b.bitClass.rawValue)\"><div>\(b.name)</div></th>"
            )
        }
        p.write("</tr><tr class=\"jrow\"><th class=\"gname\">host backs (J)</th><th></th>")
        for b in bits {
            p.write("<td class=\"cell \(j.contains(b.name) ? "ok" : "")\">\(j.contains(b.name) ? "✓" : "")</td>")
        }
        p.write("</tr></thead><tbody>")
        for g in sortedGuests(r.guests) {
            p.write("<tr class=\"guest\" data-status=\"\(g.status)\"><th class=\"gname\">\(g.name ?? g.path)")
            p.write("<span class=\"src\">\(g.source.rawValue)</span></th><td>\(statusBadge(g.status))</td>")
            guard let adv = g.archCapabilities else {
                p.write(
                    "<td class=\"cell hidden\" colspan=\"\(bits.count)\">\(g.error ?? "configuration not read")</td></tr>"
                )
                continue
            }
            let told = Set(adv.bits)
            for b in bits {
                let tip = title(adv.provenance[b.name])
                let backed = j.contains(b.name) || b.bitClass == .disclosure
                switch (adv.visible, told.contains(b.name)) {
                case (false, let has): cell(&p, "hidden", tip, has ? "–" : "")
                case (true, true): cell(&p, backed ? "ok" : "bad", tip, backed ? "✓" : "✗")
                case (true, false) where j.contains(b.name) && b.bitClass == .immunity: cell(&p, "miss", "", "○")
                case (true, false): cell(&p)
                }
            }
            p.write("</tr>")
            if let requested = Self.differingRequest(g) { requestRow(&p, adv, requested, bits: bits) }
        }
        p.write("</tbody></table></div></section>\n")
    }

    /// R, when it differs from G (value or visibility): what the matrix and findings show besides G.
    static func differingRequest(_ g: GuestDocument) -> GuestDocument.Requested? {
        guard let a = g.archCapabilities, let r = a.requested, r.value != a.value || r.visible != a.visible
        else { return nil }
        return r
    }

    /// The row under a guest told something else than it asks for: what its configuration asks
    /// for, each bit the VMM drops marked.
    private static func requestRow(
        _ p: inout HTMLPage, _ told: GuestDocument.Advertised,
        _ r: GuestDocument.Requested, bits: [ArchCapBit]
    ) {
        let vmm: HTML = told.vmm.map { " <span class=\"src\">\($0)</span>" } ?? ""
        p.write("<tr class=\"requested\"><th class=\"gname ask\">asks for\(vmm)</th><td></td>")
        let asked = Set(r.bits)
        let passed = Set(told.bits)
        for b in bits {
            let tip = title(r.provenance[b.name])
            let dropped = !told.visible || !passed.contains(b.name)
            switch (r.visible, asked.contains(b.name)) {
            case (false, let has): cell(&p, "hidden", tip, has ? "–" : "")
            case (true, true): cell(&p, dropped ? "drop" : "asked", tip, dropped ? "↓" : "✓")
            case (true, false): cell(&p)
            }
        }
        p.write("</tr>")
    }

    /// One matrix cell: its kind as a class beside `cell` (none: a plain cell), the tooltip, the mark.
    private static func cell(_ p: inout HTMLPage, _ kind: String = "", _ tip: HTML = "", _ mark: String = "") {
        p.write("<td class=\"cell\(kind.isEmpty ? "" : " " + kind)\"\(tip)>\(mark)</td>")
    }
}
