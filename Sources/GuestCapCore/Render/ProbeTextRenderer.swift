/// `guestcap probe`'s output: per guest, G beside what the probe read, in words and as JSON.
public enum ProbeTextRenderer {
    /// The JSON document: every entry and the counts.
    public struct Document: Encodable, Sendable {
        /// One per guest, in the order probed.
        public let guests: [ProbeEntry]
        /// How many agree, differ and could not be probed.
        public let summary: [String: Int]

        /// Creates the document.
        public init(entries: [ProbeEntry]) {
            guests = entries
            summary = [
                "agree": entries.count { $0.outcome == .agree },
                "differ": entries.count { $0.outcome == .differ },
                "could_not_probe": entries.count { $0.outcome == .failed },
            ]
        }
    }

    /// The text report.
    public static func render(_ entries: [ProbeEntry]) -> String {
        var out = ""
        for e in entries {
            let label = e.name ?? e.path
            let header: String
            switch e.outcome {
            case .agree: header = "AGREE    "
            case .differ: header = "DIFFER   "
            case .failed: header = "NOT PROBED"
            }
            var context = [e.source?.rawValue, e.name == nil ? nil : e.path].compactMap { $0 }.joined(separator: ", ")
            if !context.isEmpty { context = "  (\(context))" }
            out += "\(header) \(label)\(context)\n"
            if let g = e.expected { out += "  guestcap (G): \(describe(g))\n" }
            if let c = e.comparison { out += "  probe read:   \(describe(c.observed))\n" }
            if let d = e.comparison?.difference { out += "  they differ: \(d)\n" }
            if let m = e.method { out += "  booted as:    \(m)\n" }
            if let error = e.error { out += "  could not probe: \(error)\n" }
            out += "\n"
        }
        let doc = Document(entries: entries)
        let n = entries.count
        out +=
            "\(n) guest\(n == 1 ? "" : "s"): \(doc.summary["agree"]!) agree, \(doc.summary["differ"]!) differ, "
            + "\(doc.summary["could_not_probe"]!) could not be probed\n"
        return out
    }

    private static func describe(_ r: ProbeReading) -> String {
        guard r.visible else { return "MSR 0x10a not visible (CPUID.7.0:EDX[29] clear)" }
        let names = r.value.names
        return "\(r.value.hex)" + (names.isEmpty ? "" : " [\(names.joined(separator: ", "))]") + ", visible"
    }
}
