/// The `guestcap check` text form: findings grouped by guest, worst first, in plain words.
public enum CheckTextRenderer {
    /// Renders verdicts against the host they were judged on.
    public static func render(
        host: HostAssessment, verdicts: [GuestVerdict], hostFindings: [Finding],
        skipped: [(path: String, reason: String)], verbose: Bool = false
    ) -> String {
        var out: [String] = []
        out.append("Host \(host.snapshot.hostname): J = \(host.justified)")
        if host.msrStatus != .ok {
            out.append("  MSR 0x10a \(host.msrStatus.rawValue): \(host.msrProblem)")
        }
        for f in hostFindings { out.append("  " + findingLine(f)) }
        out.append("")
        // Sorting positions, not the verdicts themselves, saves copying each verdict's fields.
        let order = verdicts.indices.sorted {
            let a = verdicts[$0]
            let b = verdicts[$1]
            return (a.status, a.displayName, a.path) < (b.status, b.displayName, b.path)
        }
        for v in order.lazy.map({ verdicts[$0] }) where verbose || v.status != .compliant || !v.findings.isEmpty {
            out += guestBlock(v, host: host)
            out.append("")
        }
        if !skipped.isEmpty {
            out.append("Skipped (not guest configurations):")
            for s in skipped { out.append("  \(s.path): \(s.reason)") }
            out.append("")
        }
        let summary = ReportDocument.Summary(statuses: verdicts.map(\.status))
        out.append(
            "\(summary.guests) guest\(summary.guests == 1 ? "" : "s"): \(summary.violating) violating, "
                + "\(summary.waived) waived, \(summary.unreadable) unreadable, \(summary.compliant) compliant")
        return out.joined(separator: "\n") + "\n"
    }

    private static func guestBlock(_ v: GuestVerdict, host: HostAssessment) -> [String] {
        var lines: [String] = []
        var head = "\(v.status.rawValue.uppercased())  \(v.displayName)  (\(v.source.rawValue), \(v.path)"
        if let u = v.uuid { head += ", uuid \(u)" }
        lines.append(head + ")")
        if let e = v.error {
            lines.append("  cannot be read: \(e)")
        }
        if let g = v.advertised {
            let hidden = " — but the guest cannot read the MSR (arch-capabilities off)"
            if let r = v.values?.requested, r.value != g.value || r.visible != g.visible {
                lines.append("  asks for:     \(r.value)\(r.visible ? "" : hidden)")
                let vmm = v.values.map { " (\($0.vmm.rawValue) passes)" } ?? ""
                lines.append("  told:         \(g.value)\(g.visible ? vmm : hidden)")
            } else {
                lines.append("  told:         \(g.value)\(g.visible ? "" : hidden)")
            }
            lines.append("  host backs:   \(host.justified)")
        }
        for f in v.findings {
            lines.append("  " + findingLine(f))
            for o in f.origins { lines.append("      claimed by \(o)") }
            if let w = f.waiver {
                let state = f.state == .waived ? "waived until \(w.expiresText)" : "waiver expired \(w.expiresText)"
                lines.append("      \(state): \(w.reason)")
            }
        }
        return lines
    }

    static func findingLine(_ f: Finding) -> String {
        let bits = f.bits.isEmpty ? "" : " [\(f.bits.names.joined(separator: ", "))]"
        let state = f.state == .waived ? " (waived)" : ""
        return "\(f.severity.rawValue.uppercased()) \(f.rule.rawValue)\(bits)\(state): \(f.message)"
    }
}
