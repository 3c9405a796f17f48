import Foundation
import GuestCapCore

/// `guestcap fleet` for a terminal: totals, worst hosts, findings by rule, host states, guests
/// on several hosts and each pool's migration matrix. Long lists stop at `limit` rows; the JSON
/// form has them all.
public enum FleetTextRenderer {
    /// The text.
    public static func render(_ r: FleetReport, limit: Int = 50) -> String {
        var out: [String] = []
        let t = r.totals
        var head = "guestcap fleet: \(r.inputs.sourceText), \(t.guests) guests"
        if let p = r.period { head += ", \(ReportCoding.formatDate(p.from)) to \(ReportCoding.formatDate(p.to))" }
        out.append(head)
        out.append(
            "Guests: \(t.compliant) compliant, \(t.violating) violating, \(t.waived) waived, \(t.unreadable) unreadable; hosts with violations: \(t.hostsWithViolations)"
        )
        for state in ["open", "waived", "resolved"] {
            let bySev = t.findings[state] ?? [:]
            let parts = Severity.allCases.compactMap { s in bySev[s.rawValue].map { "\(s.rawValue) \($0)" } }
            out.append("Findings \(state): " + (parts.isEmpty ? "none" : parts.joined(separator: ", ")))
        }
        if r.inputs.repeatedHosts > 0 {
            out.append(
                "Note: \(r.inputs.repeatedHosts) exports are of a host already read (several periods); their guests are counted again."
            )
        }
        for u in r.inputs.unreadable { out.append("unreadable: \(u.path): \(u.reason)") }

        out.append("\nWorst hosts")
        if r.worstHosts.isEmpty {
            out.append("  none: no host has a violating guest or an open error")
        } else {
            var table = TextTable(["HOST", "VIOLATING", "CRITICAL", "ERROR", "UNREADABLE", "GUESTS", "J", "FILE"])
            for h in r.worstHosts {
                table.add([
                    h.hostname, "\(h.violating)", "\(h.openCritical)", "\(h.openError)", "\(h.unreadable)",
                    "\(h.guests)", h.justified, h.file,
                ])
            }
            out.append(table.render(indent: "  "))
            for h in r.worstHosts where !h.open.isEmpty {
                let more = h.openCritical + h.openError - h.open.count
                out.append(
                    "  \(h.hostname) open now: "
                        + h.open.map { "\($0.guest ?? "host") \($0.rule) (\($0.severity))" }
                        .joined(separator: ", ") + (more > 0 ? ", and \(more) more" : ""))
            }
        }

        out.append("\nFindings by rule")
        if r.findingsByRule.isEmpty {
            out.append("  none")
        } else {
            var table = TextTable(["RULE", "SEVERITY", "OPEN", "WAIVED", "RESOLVED", "HOSTS", "GUESTS"])
            for x in r.findingsByRule {
                table.add([
                    x.rule, x.severities.joined(separator: ","), "\(x.open)", "\(x.waived)", "\(x.resolved)",
                    "\(x.hosts)", "\(x.guests)",
                ])
            }
            out.append(table.render(indent: "  "))
        }

        out.append("\nHost states (MSR 0x10a and J)")
        var states = TextTable(["HOSTS", "STATUS", "MSR", "J", "E.G."])
        for s in r.hostStates.prefix(limit) { states.add(["\(s.hosts)", s.status, s.msr, s.justified, s.example]) }
        out.append(states.render(indent: "  "))
        more(&out, r.hostStates.count, limit)

        let differ = r.migratedGuests.filter(\.toldDifferently).count
        out.append(
            "\nGuests on several hosts: \(r.migratedGuests.count) (\(differ) told different values on different hosts)")
        for g in r.migratedGuests.prefix(limit) {
            out.append("  \(g.name ?? "-") \(g.uuid)\(g.toldDifferently ? "  TOLD DIFFERENTLY" : "")")
            for s in g.hosts {
                let told = s.value.map { v in "\(v) [\((s.bits ?? []).joined(separator: ", "))]" } ?? "(not read)"
                out.append("    \(s.host): \(told)\(s.visible == false ? " not visible" : "") \(s.status)")
            }
        }
        more(&out, r.migratedGuests.count, limit)

        out.append("\nMigration matrix (migration-unsafe: guests that could not safely move to a pool host)")
        if r.migrationMatrix.isEmpty { out.append("  none") }
        for pool in r.migrationMatrix {
            out.append(
                "  pool \(pool.pool): "
                    + pool.poolHosts.map { "\($0) \(pool.guestsUnsafeByHost[$0] ?? 0)" }
                    .joined(separator: ", ") + " guests cannot move there")
            var table = TextTable(["GUEST", "ON"] + pool.poolHosts)
            for row in pool.rows.prefix(limit) {
                table.add([row.guest, row.host] + pool.poolHosts.map { row.unsafe[$0]?.joined(separator: ",") ?? "." })
            }
            out.append(table.render(indent: "    "))
            more(&out, pool.rowCount, limit)
        }
        return out.joined(separator: "\n") + "\n"
    }

    private static func more(_ out: inout [String], _ count: Int, _ limit: Int) {
        if count > limit { out.append("  … and \(count - limit) more (see --format json)") }
    }
}
