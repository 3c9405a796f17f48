import Foundation
import GuestCapCore
import GuestCapStore

/// `guestcap status` as text: the host's state, the daemon, the counts and the active findings.
public enum StatusTextRenderer {
    /// The text, its table fitted to `width` columns (nil: whole lines).
    public static func render(_ s: StoreStatus, daemon: DaemonState?, path: String, width: Int? = nil) -> String {
        var out: [String] = []
        if let h = s.host {
            let a = HostAssessment(snapshot: h.snapshot)
            out.append(
                "Host \(h.snapshot.hostname), state since \(ReportCoding.formatDate(h.began)): J = \(a.justified)")
        } else {
            out.append("No host state recorded yet in \(path).")
        }
        if let r = s.run, let daemon {
            out.append(
                "Daemon: pid \(r.pid), version \(r.version), started \(ReportCoding.formatDate(r.started)), \(daemon.sentence)"
            )
        }
        if let last = s.lastAudit { out.append("Last audit: \(ReportCoding.formatDate(last))") }
        let c = s.counts
        out.append(
            "\(c.guests) guests: \(c.violating) violating, \(c.waived) waived, \(c.unreadable) unreadable, "
                + "\(c.compliant) compliant; \(c.openFindings) findings open, \(c.waivedFindings) waived")
        if !s.findings.isEmpty {
            out.append("")
            var t = TextTable(["SEVERITY", "RULE", "GUEST", "SOURCE", "BITS", "SINCE", "STATE"])
            for f in s.findings {
                let r = f.record
                let arrow = r.direction == .incoming ? " ← " : " → "  // incoming: booted there, moved here
                t.add([
                    r.severity.rawValue, r.rule.rawValue + (r.poolHost.map { arrow + $0 } ?? ""),
                    r.guestName ?? r.configPath ?? r.subject, r.source?.rawValue ?? "host",
                    r.bits.names.joined(separator: ","), ReportCoding.formatDate(f.openedAt), r.state.rawValue,
                ])
            }
            out.append(t.render(width: width))
        }
        return out.joined(separator: "\n") + "\n"
    }
}
