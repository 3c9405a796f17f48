import Foundation
import GuestCapCore

/// The host's section and the MSR decode at the end of the page.
extension HTMLRenderer {
    static func host(_ p: inout HTMLPage, _ r: ReportDocument) {
        let h = r.host
        p.write("<section id=\"host\"><h2>Host</h2><table class=\"kv\">")
        func kv(_ k: String, _ v: HTML) { p.write("<tr><th>\(k)</th><td>\(v)</td></tr>") }
        kv("hostname", "\(h.hostname)")
        kv("machine id", "\(h.machineID ?? "-")")
        kv("kernel", "\(h.kernel ?? "-")")
        let cpu = [
            h.cpu.vendor, h.cpu.family.map { "family \($0)" }, h.cpu.model.map { "model \($0)" },
            h.cpu.stepping.map { "stepping \($0)" },
        ].compactMap { $0 }.joined(separator: " ")
        let modelName: HTML = h.cpu.modelName.map { " <span class=\"dim\">(\($0))</span>" } ?? ""
        kv("CPU", "\(cpu.isEmpty ? "-" : cpu)\(modelName)")
        kv("microcode", "\(h.cpu.microcode ?? "-")")
        let msr = h.archCapabilities
        let msrError: HTML = msr.error.map { " · <span class=\"bad-t\">\($0)</span>" } ?? ""
        kv("MSR 0x10a", "<code>\(msr.value)</code> · \(msr.status.rawValue) on \(msr.cpus.count) CPU(s)\(msrError)")
        kv("justified (J)", "<code>\(h.justified.value)</code> \(h.justified.bits.joined(separator: ", "))")
        kv("KVM default", "<code>\(h.kvmDefault.value)</code> \(h.kvmDefault.bits.joined(separator: ", "))")
        if let since = h.since { kv("state since", "\(ReportCoding.formatDate(since))") }
        p.write("</table>")
        for note in h.notes ?? [] { p.write("<p class=\"note\">\(note)</p>") }
        p.write(
            "<p class=\"note\">Every bit of MSR 0x10a, its source in J and the host's states during the period: <a href=\"#decode\">MSR decode</a> below.</p>"
        )
        if !r.hostFindings.isEmpty {
            p.write("<h3>Host findings</h3><ul>")
            for f in r.hostFindings {
                p.write("<li>\(badge(f.severity)) <code>\(f.rule)</code> \(f.state.rawValue): \(f.message)</li>")
            }
            p.write("</ul>")
        }
        p.write("</section>\n")
    }

    static func msrDecode(_ p: inout HTMLPage, _ r: ReportDocument) {
        let h = r.host
        p.write("<section id=\"decode\"><h2>MSR 0x10a decode</h2>")
        // Every defined bit, plus reserved bits that are set anywhere.
        let hw = Set(h.archCapabilities.bits)
        let j = Set(h.justified.bits)
        let kvm = Set(h.kvmDefault.bits)
        p.write("<table class=\"grid\"><thead><tr><th>bit</th><th>name</th><th>class</th>")
        p.write(
            "<th>host MSR</th><th>KVM default</th><th>J</th><th>why (source of J)</th><th>meaning</th></tr></thead><tbody>"
        )
        for bit in ArchCapCatalog.all where bit.bitClass != .reserved || hw.contains(bit.name) || j.contains(bit.name) {
            let inJ = j.contains(bit.name)
            let why =
                h.justified.sources[bit.name]
                ?? ArchCapCatalog.verdictFile[bit.name].map { f in h.vulnerabilities[f].map { "\(f): \($0)" } ?? "" }
                ?? ""
            p.write("<tr><td>\(bit.number)</td><td><code>\(bit.name)</code></td><td>\(bit.bitClass.rawValue)</td>")
            p.write("<td>\(mark(hw.contains(bit.name)))</td><td>\(mark(kvm.contains(bit.name)))</td>")
            p.write("<td class=\"\(inJ ? "good-t" : "dim")\">\(inJ ? "yes" : "no")</td><td>\(why)</td>")
            p.write("<td class=\"dim\">\(bit.meaning)</td></tr>")
        }
        p.write("</tbody></table>")
        if let snaps = r.hostSnapshots, !snaps.isEmpty {
            p.write(
                "<h3>Host states during the period (\(snaps.count))</h3><table class=\"grid\"><thead><tr><th>since</th>"
            )
            p.write("<th>kernel</th><th>microcode</th><th>MSR 0x10a</th><th>J</th></tr></thead><tbody>")
            for s in snaps {
                p.write("<tr><td>\(s.since.map(ReportCoding.formatDate) ?? "-")</td><td>\(s.kernel ?? "-")</td>")
                p.write("<td>\(s.cpu.microcode ?? "-")</td><td><code>\(s.archCapabilities.value)</code></td>")
                p.write("<td><code>\(s.justified.value)</code></td></tr>")
            }
            p.write("</tbody></table>")
        }
        p.write("</section>\n")
    }
}
