import Foundation
import GuestCapCore

/// `export --format html`: one self-contained page (inline CSS, no script, no external asset)
/// that an auditor can open or print: the host and its MSR decode, a summary, a guest × bit
/// matrix of what each guest is told against what the host backs, the findings, and the timeline
/// of the period.
///
/// The counts are also on `<body>` as `data-*` attributes and in elements with ids
/// (`count-guests`, …), so a browser test can read what was rendered. Every value from the
/// report goes in through ``HTML``, so it is escaped.
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
    public static func write(
        _ report: ReportDocument, version: String = "", chunkSize: Int = 1 << 20,
        to sink: @escaping (String) throws -> Void
    ) throws {
        var page = HTMLPage(chunkSize: chunkSize, sink: sink)
        write(report, version: version, into: &page)
        page.flush()
        if let failure = page.failure { throw failure }
    }

    private static func write(_ report: ReportDocument, version: String, into page: inout HTMLPage) {
        let s = report.summary
        // Counted in place: a copy of every finding costs a long period's page 100 MB.
        var total = 0
        var open = 0
        var waived = 0
        var resolved = 0
        for list in [report.hostFindings] + report.guests.map(\.findings) {
            total += list.count
            open += list.count { $0.state == .open }
            waived += list.count { $0.state == .waived }
            resolved += list.count { $0.state == .resolved }
        }
        let when = report.period.map { "\(day($0.from)) – \(day($0.to))" } ?? day(report.generatedAt)
        let asks = report.guests.contains { differingRequest($0) != nil }
        page.write(
            """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>guestcap report: \(report.host.hostname), \(when)</title>
            <style>\(raw: css)\(raw: asks ? "\n" + requestCSS : "")</style></head>
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
        page.write(
            """
            <footer>guestcap\(version.isEmpty ? "" : " " + version) · \(ReportDocument.formatName) · \
            generated \(ReportCoding.formatDate(report.generatedAt))\(policyNote(report.policy))</footer>
            </body></html>

            """)
    }

    // MARK: - Sections

    private static func header(_ p: inout HTMLPage, _ r: ReportDocument, when: String) {
        p.write("<header><h1>guestcap compliance report</h1><p class=\"sub\">")
        p.write("Host <strong>\(r.host.hostname)</strong> · ")
        if let period = r.period {
            p.write("period <strong>\(ReportCoding.formatDate(period.from))</strong> to ")
            p.write("<strong>\(ReportCoding.formatDate(period.to))</strong> (UTC)")
        } else {
            p.write("checked \(ReportCoding.formatDate(r.generatedAt)) (UTC)")
        }
        p.write("</p><p class=\"sub\">What every guest on this host is told in IA32_ARCH_CAPABILITIES (MSR 0x10a), ")
        p.write("and whether the host backs it. ")
        if let policy = r.policy {
            p.write("Policy \(policy.path ?? "built-in"), SHA-256 <code>\(policy.sha256)</code>.")
        }
        p.write("</p></header>\n")
    }

    private static func summary(
        _ p: inout HTMLPage, _ r: ReportDocument, findings: Int, open: Int, waived: Int,
        resolved: Int
    ) {
        let s = r.summary
        p.write("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">")
        func card(_ id: String, _ label: String, _ n: Int, _ cls: String) {
            p.write(
                "<div class=\"card \(cls)\"><span class=\"n\" id=\"count-\(id)\">\(n)</span><span>\(label)</span></div>"
            )
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
        p.write("</div>")
        if r.period != nil {
            p.write(
                "<p class=\"note\">A guest's status is the worst it had during the period; a finding's state is its state at the end of the period.</p>"
            )
        }
        p.write("</section>\n")
    }

    // MARK: - Helpers

    /// The footer's policy hash, when the report names a policy.
    private static func policyNote(_ policy: ReportDocument.PolicyRef?) -> HTML {
        policy.map { " · policy SHA-256 <code>\($0.sha256)</code>" } ?? ""
    }

    static func sortedGuests(_ guests: [GuestDocument]) -> [GuestDocument] {
        guests.sorted {
            let a = GuestStatus(rawValue: $0.status) ?? .compliant
            let b = GuestStatus(rawValue: $1.status) ?? .compliant
            return (a, $0.name ?? $0.path, $0.source) < (b, $1.name ?? $1.path, $1.source)
        }
    }

    /// ` title="…"` for a cell with a tooltip, nothing without one.
    static func title(_ text: String?) -> HTML { text.map { " title=\"\($0)\"" } ?? "" }

    static func mark(_ on: Bool) -> String { on ? "✓" : "" }

    static func badge(_ s: Severity) -> HTML { "<span class=\"sev \(s.rawValue)\">\(s.rawValue)</span>" }

    static func statusBadge(_ s: String) -> HTML { "<span class=\"st \(s)\">\(s)</span>" }

    private static func day(_ d: Date) -> String { String(ReportCoding.formatDate(d).prefix(10)) }
}
