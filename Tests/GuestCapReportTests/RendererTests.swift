import Foundation
import GuestCapTestSupport
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

@Suite("CSV, HTML and Prometheus renderers")
struct RendererTests {
    let report = Fixtures.report()

    @Test("the fixture is what the renderers are tested on: 6 guests, 3 violating, 1 waived, 1 unreadable")
    func fixture() {
        #expect(report.summary.guests == 6)
        #expect(report.summary.violating == 3, "db-02, ci 03, and web-01 (migration-unsafe)")
        #expect(report.summary.waived == 1)
        #expect(report.summary.unreadable == 1)
        #expect(report.guests.contains { $0.findings.contains { $0.rule == "migration-unsafe" } })
        #expect(
            report.guests.contains { $0.archCapabilities?.dropped?.isEmpty == false },
            "web-01 asks for more than it is told")
    }

    @Test("the JSON of a report with a period validates against the schema (Python jsonschema)")
    func jsonValidates() throws {
        let r = try Fixtures.validate(report)
        #expect(r.status == 0, "\(r.out)\(r.err)")
    }

    @Test("CSV: the documented header, one row per finding, RFC 4180 quoting, formula cells defused")
    func csv() throws {
        let text = CSVRenderer.render(report)
        let lines = text.components(separatedBy: "\r\n").dropLast()
        #expect(lines.first == CSVRenderer.columns.joined(separator: ","))
        let findings = report.hostFindings.count + report.guests.reduce(0) { $0 + $1.findings.count }
        #expect(lines.count == findings + 1)
        #expect(text.contains("\"ci, \"\"nightly\"\" 03\""))
        #expect(text.contains(",'=legacy-04,"))
        #expect(!text.contains(",=legacy-04,"))
        #expect(CSVRenderer.field("-x") == "'-x")
        #expect(CSVRenderer.field("a\nb") == "\"a\nb\"")
        #expect(text.contains("CHG-4411, accepted until the December window"))
        #expect(text.contains("2026-11-24T15:30:00Z"), "resolved time of the fixed finding")
    }

    @Test("CSV written in pieces: the same text, cut only between rows")
    func csvInPieces() throws {
        let whole = CSVRenderer.render(report)
        var pieces: [String] = []
        CSVRenderer.write(report, chunkSize: 1) { pieces.append($0) }
        #expect(pieces.joined() == whole)
        let findings = report.hostFindings.count + report.guests.reduce(0) { $0 + $1.findings.count }
        #expect(pieces.count == findings, "header and first row together, then one row per piece")
        #expect(pieces.allSatisfy { $0.hasSuffix("\r\n") })
    }

    @Test("HTML written in pieces: the same page; a failing sink stops it and its error is thrown")
    func htmlInPieces() throws {
        let whole = HTMLRenderer.render(report, version: "1.2.3")
        var pieces: [String] = []
        try HTMLRenderer.write(report, version: "1.2.3", chunkSize: 4096) { pieces.append($0) }
        #expect(pieces.joined() == whole)
        #expect(pieces.count > 2, "\(whole.utf8.count) bytes in pieces of 4 KiB")
        struct Full: Error {}
        var calls = 0
        #expect(throws: Full.self) {
            try HTMLRenderer.write(report, chunkSize: 4096) { _ in
                calls += 1
                throw Full()
            }
        }
        #expect(calls == 1)
    }

    @Test("CSV parses with Python's csv module into rows of the header's width")
    func csvParses() throws {
        let script = """
            import csv, sys
            rows = list(csv.DictReader(sys.stdin))
            assert all(None not in r and len(r) == \(CSVRenderer.columns.count) for r in rows), rows
            print(len(rows), sum(1 for r in rows if r["state"] == "waived"), rows[0]["host"])
            """
        let r = try #require(try Fixtures.run("python3", ["-c", script], stdin: Data(CSVRenderer.render(report).utf8)))
        #expect(r.status == 0, "\(r.err)")
        let findings = report.hostFindings.count + report.guests.reduce(0) { $0 + $1.findings.count }
        #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines) == "\(findings) 1 kvm-clx-01")
    }

    @Test("Prometheus: every family has HELP and TYPE gauge; counts match; no guest names")
    func prometheus() throws {
        let text = PrometheusRenderer.render(report, lastAudit: Fixtures.date("2026-11-24T23:59:00Z"))
        var typed = Set<String>()
        var helped = Set<String>()
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") {
                helped.insert(String(line.split(separator: " ")[2]))
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let p = line.split(separator: " ")
                #expect(p[3] == "gauge")
                typed.insert(String(p[2]))
                continue
            }
            // name{labels} value
            let space = try #require(line.lastIndex(of: " "))
            let value = try #require(Double(line[line.index(after: space)...]), "\(line)")
            samples[String(line[..<space])] = value
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            #expect(typed.contains(name) && helped.contains(name), "\(name) declared before its samples")
            #expect(name.range(of: "^[a-zA-Z_:][a-zA-Z0-9_:]*$", options: .regularExpression) != nil)
        }
        #expect(helped == Set(PrometheusRenderer.metrics.map(\.fullName)))
        #expect(samples["guestcap_guests{status=\"violating\"}"] == 3)
        #expect(samples["guestcap_guests{status=\"compliant\"}"] == 1)
        #expect(samples["guestcap_open_findings{rule=\"unjustified-immunity\",severity=\"critical\"}"] == 1)
        #expect(samples["guestcap_waived_findings{rule=\"unjustified-immunity\",severity=\"critical\"}"] == 1)
        #expect(samples["guestcap_open_findings{rule=\"reserved-bits\",severity=\"warning\"}"] == 0)
        #expect(samples["guestcap_host_msr_bit{bit=\"mds-no\",set=\"msr\"}"] == 1)
        #expect(samples["guestcap_host_msr_bit{bit=\"taa-no\",set=\"justified\"}"] == 0)
        #expect(
            samples["guestcap_last_audit_timestamp_seconds"]
                == Fixtures.date("2026-11-24T23:59:00Z").timeIntervalSince1970)
        for g in report.guests { #expect(!text.contains(g.name ?? g.path)) }
        #expect(
            text == PrometheusRenderer.render(report, lastAudit: Fixtures.date("2026-11-24T23:59:00Z")), "stable output"
        )
    }

    @Test("Prometheus text passes 'promtool check metrics'", .needs(.promtool))
    func promtool() throws {
        let text = PrometheusRenderer.render(report)
        let r = try #require(
            try Fixtures.run(try TestTool.promtool.require(), ["check", "metrics"], stdin: Data(text.utf8)))
        #expect(r.status == 0, "\(r.out)\(r.err)")
        #expect(r.out.isEmpty && r.err.isEmpty, "no lint warnings: \(r.out)\(r.err)")
    }

    @Test("HTML: self-contained, escaped, with the counts on <body> and in the summary")
    func html() {
        let page = HTMLRenderer.render(report, version: "test")
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        for external in ["<script", "<link", "src=", "url(", "http://", "https://", "@import"] {
            #expect(!page.contains(external), "no external asset: \(external)")
        }
        #expect(page.contains("data-guests=\"6\""))
        #expect(page.contains("data-violating=\"3\""))
        #expect(page.contains("id=\"count-guests\">6<"))
        #expect(page.contains("ci, &quot;nightly&quot; 03"))
        #expect(page.contains("CHG-4411"))
        #expect(page.contains("class=\"cell bad\""), "an unbacked claim is marked")
        #expect(page.contains("id=\"timeline\""))
        #expect(page.contains("2026-11-24T15:30:00Z"), "the resolution is on the timeline")
        #expect(HTML(escaping: "<a href='x'>&").text == "&lt;a href=&#39;x&#39;&gt;&amp;")
    }

    @Test("file names: guestcap-HOST-FROM--TO, host name made safe")
    func fileName() {
        var r = report
        #expect(ExportFileName.base(r) == "guestcap-kvm-clx-01-20261124T000000Z--20261125T000000Z")
        r.host.hostname = "a/b c"
        #expect(ExportFileName.base(r).hasPrefix("guestcap-a_b_c-"))
    }
}
