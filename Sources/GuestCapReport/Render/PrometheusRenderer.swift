import Foundation
import GuestCapCore
import Prometheus

/// The text exposition for node_exporter's textfile collector (`guestcap.prom`), written by the
/// daemon after every audit and by `guestcap export`: the same families, labels and HELP texts.
///
/// The format (escaping, `# HELP`/`# TYPE` once per family) is produced by swift-prometheus'
/// ``PrometheusCollectorRegistry``; guestcap only sorts its output by metric name and label
/// set, so two runs on the same state write the same bytes (the registry keeps families in
/// a dictionary). Metrics carry counts and host facts, never guest names: the file is
/// world-readable (0644) so that node_exporter's own user can read it.
public enum PrometheusRenderer {
    /// Every metric guestcap writes, with its HELP text; names and texts are part of the interface.
    public static let metrics: [Metric] = [
        guests, openFindings, waivedFindings, msrInfo, msrBit, lastAuditTime,
        generatedTime,
    ]

    static let guests = metric(
        "guests", "",
        "Guests by status: compliant, violating, waived, unreadable (the daemon: now; an export: the worst status each guest had during the period)."
    )
    static let openFindings = metric(
        "open_findings", "",
        "Findings open and not waived, by rule and severity, host-level findings included (the daemon: now; an export: at the end of the period)."
    )
    static let waivedFindings = metric(
        "waived_findings", "",
        "Findings covered by an active waiver, by rule and severity (the daemon: now; an export: at the end of the period)."
    )
    static let msrInfo = metric(
        "host_msr", "info",
        "The host's IA32_ARCH_CAPABILITIES (MSR 0x10a) as labels: read status, value, justified set J, KVM default; always 1."
    )
    static let msrBit = metric(
        "host_msr_bit", "",
        "Whether a defined bit of MSR 0x10a is set in the host's value (set=msr, on all CPUs) or in what guests may be told (set=justified)."
    )
    static let lastAuditTime = metric(
        "last_audit_timestamp", "seconds",
        "Unix time of the last audit included (the daemon: its latest round; an export: the last audit within the period)."
    )
    static let generatedTime = metric("report_timestamp", "seconds", "Unix time at which this file was generated.")

    /// One metric family: `guestcap_<name>[_<unit>]` and its HELP text.
    public struct Metric: Sendable {
        public let name: String
        public let unit: String
        public let help: String
        /// The full name, as written in the file.
        public var fullName: String { descriptor.name }
        var descriptor: MetricNameDescriptor {
            MetricNameDescriptor(namespace: "guestcap", metricName: name, unitName: unit, helpText: help)
        }
    }

    private static func metric(_ name: String, _ unit: String, _ help: String) -> Metric {
        Metric(name: name, unit: unit, help: help)
    }

    /// The exposition text for one report (what `guestcap export` writes).
    /// - Parameter lastAudit: the last audit the report covers (default: the report's generation time).
    public static func render(_ report: ReportDocument, lastAudit: Date? = nil) -> String {
        render(TextfileMetrics(report: report, lastAudit: lastAudit))
    }

    /// The exposition text for some metrics (what the daemon writes after each audit).
    public static func render(_ m: TextfileMetrics) -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ m: Metric, _ labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: m.descriptor, labels: labels)
        }

        let s = m.guests
        for (status, n) in [
            ("compliant", s.compliant), ("violating", s.violating), ("waived", s.waived),
            ("unreadable", s.unreadable),
        ] {
            gauge(guests, [("status", status)]).set(to: Double(n))
        }
        for (k, n) in m.openFindings {
            gauge(openFindings, [("rule", k.rule), ("severity", k.severity.rawValue)]).set(to: Double(n))
        }
        for (k, n) in m.waivedFindings {
            gauge(waivedFindings, [("rule", k.rule), ("severity", k.severity.rawValue)]).set(to: Double(n))
        }

        let host = m.host
        gauge(
            msrInfo,
            [
                ("hostname", host.hostname), ("status", host.archCapabilities.status.rawValue),
                ("value", host.archCapabilities.value), ("justified", host.justified.value),
                ("kvm_default", host.kvmDefault.value), ("microcode", host.cpu.microcode ?? ""),
                ("kernel", host.kernel ?? ""),
            ]
        ).set(to: 1)
        let msr = Set(host.archCapabilities.bits)
        let justified = Set(host.justified.bits)
        for bit in ArchCapCatalog.defined {
            gauge(msrBit, [("bit", bit.name), ("set", "msr")]).set(to: msr.contains(bit.name) ? 1 : 0)
            gauge(msrBit, [("bit", bit.name), ("set", "justified")])
                .set(to: justified.contains(bit.name) ? 1 : 0)
        }
        gauge(lastAuditTime).set(to: m.lastAudit.timeIntervalSince1970.rounded())
        gauge(generatedTime).set(to: m.generatedAt.timeIntervalSince1970.rounded())

        return canonicalOrder(registry.emitToString())
    }

    /// Families sorted by name, each with its `# HELP` and `# TYPE` first and its samples sorted.
    static func canonicalOrder(_ text: String) -> String {
        var families: [String: (comments: [Substring], samples: [Substring])] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3)
                guard parts.count >= 3 else { continue }
                families[String(parts[2]), default: ([], [])].comments.append(line)
            } else {
                let name = line.prefix { $0 != "{" && $0 != " " }
                families[String(name), default: ([], [])].samples.append(line)
            }
        }
        var out = ""
        for name in families.keys.sorted() {
            let f = families[name]!
            for c in f.comments.sorted(by: { $0.hasPrefix("# HELP") && !$1.hasPrefix("# HELP") }) { out += c + "\n" }
            for s in f.samples.sorted() { out += s + "\n" }
        }
        return out
    }
}
