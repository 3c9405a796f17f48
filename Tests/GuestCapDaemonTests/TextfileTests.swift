import Foundation
import GuestCapCore
import GuestCapReport
import GuestCapSources
import GuestCapStore
import Logging
import GuestCapTestSupport
import Testing
@testable import GuestCapDaemon

/// The daemon's Prometheus textfile: written after an audit round from the auditor's state,
/// with the same families, labels and HELP texts as `guestcap export --format prometheus`.
@Suite struct TextfileTests {
    /// Accepts every entry: these tests look at the textfile, not the journal.
    struct NullJournal: JournalTransport {
        func send(_ entry: JournalEntry) throws(JournalError) {}
    }

    /// One metric family as read back from the text.
    struct Family {
        var help: String?
        var type: String?
        var samples: [String: Double] = [:]
        var labelNames: Set<[String]> = []
    }

    /// Parses exposition text line by line, recording every problem instead of stopping.
    static func parse(_ text: String) -> (families: [String: Family], problems: [String]) {
        var families: [String: Family] = [:]
        var problems: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# ") {
                let p = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard p.count == 4, p[1] == "HELP" || p[1] == "TYPE" else {
                    problems.append("comment: \(line)")
                    continue
                }
                if families[p[2]]?.samples.isEmpty == false { problems.append("\(p[1]) after samples: \(line)") }
                if p[1] == "HELP" {
                    families[p[2], default: Family()].help = p[3]
                } else {
                    families[p[2], default: Family()].type = p[3]
                }
                continue
            }
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                problems.append("sample without a value: \(line)")
                continue
            }
            let series = String(line[..<space])
            let name = String(series.prefix { $0 != "{" })
            guard name.range(of: "^[a-zA-Z_:][a-zA-Z0-9_:]*$", options: .regularExpression) != nil,
                let family = families[name], family.help != nil, family.type == "gauge"
            else {
                problems.append("sample before its HELP and TYPE gauge: \(line)")
                continue
            }
            var labels: [String] = []
            if let open = series.firstIndex(of: "{") {
                guard series.hasSuffix("}") else {
                    problems.append("unclosed labels: \(line)")
                    continue
                }
                let body = series[series.index(after: open)..<series.index(before: series.endIndex)]
                // Values here never contain `",` (hostnames, versions, hex), so splitting on it is exact.
                for pair in body.components(separatedBy: "\",") where !pair.isEmpty {
                    guard let eq = pair.firstIndex(of: "="), pair[pair.index(after: eq)...].hasPrefix("\"") else {
                        problems.append("label: \(pair) in \(line)")
                        continue
                    }
                    labels.append(String(pair[..<eq]))
                }
            }
            if families[name]!.samples.updateValue(value, forKey: series) != nil {
                problems.append("duplicate: \(line)")
            }
            families[name]!.labelNames.insert(labels)
        }
        return (families, problems)
    }

    @Test(
        "an audit round writes the textfile from memory: statuses, findings by rule and severity, host, audit time; 0644; promtool clean; same families as an export",
        .needs(.promtool))
    func auditRoundWritesTextfile() async throws {
        let w = try DaemonWorld()
        w.put("bad.xml", DaemonWorld.domain(name: "bad-\(w.marker)", force: ["taa-no"]))
        w.put("ok.xml", DaemonWorld.domain(name: "ok-\(w.marker)", force: []))
        w.put("waived.xml", DaemonWorld.domain(name: "waived-\(w.marker)", force: ["mds-no", "taa-no"]))
        w.put("cut.xml", "<domain type='kvm'>\n  <name>cut</name>\n  <cpu mode='custom'>\n")
        let waiver = Waiver(
            guests: GuestSelector(patterns: [try Glob("waived-*")]), rule: .unjustifiedImmunity,
            reason: "test", expires: Date(timeIntervalSince1970: 4_000_000_000),
            expiresText: "2096-10-02")
        var config = DaemonConfiguration()
        config.hostRoot = w.hostRoot
        config.databasePath = w.database
        config.sources = [WatchedSource(kind: .libvirt, directory: w.guests)]
        let textfile = w.dir + "/textfile/guestcap.prom"
        config.textfilePath = textfile
        try FileManager.default.createDirectory(atPath: w.dir + "/db", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: w.dir + "/textfile", withIntermediateDirectories: true)

        let start = Date(timeIntervalSince1970: 1_795_500_000)
        let now = Clock(start)
        let logger = Logger(label: "t")
        let auditor = Auditor(
            configuration: config, policy: Policy(waivers: [waiver]),
            store: try HistoryStore(path: w.database),
            sink: JournalSink(transport: NullJournal(), logger: logger), logger: logger,
            version: "test", clock: { now.date })
        try auditor.start(snapshot: HostProbe(root: HostRoot(w.hostRoot)).snapshot(), processes: nil)

        // One round through the service: a second violating guest arrives an hour later.
        now.date = start.addingTimeInterval(3600)
        w.put("bad2.xml", DaemonWorld.domain(name: "bad2-\(w.marker)", force: ["taa-no"]))
        let inbox = AuditInbox()
        let service = AuditorService(
            auditor: auditor, inbox: inbox, heartbeat: Heartbeat(),
            notifier: NotifierService(heartbeat: Heartbeat(), logger: logger), logger: logger)
        inbox.submit { $0.batch.rescan.insert(Auditor.normalize(w.guests)) }
        inbox.finish()
        await service.run()

        var st = stat()
        #expect(stat(textfile, &st) == 0 && st.st_mode & 0o777 == 0o644)
        #expect(try FileManager.default.contentsOfDirectory(atPath: w.dir + "/textfile") == ["guestcap.prom"])
        let text = try String(contentsOfFile: textfile, encoding: .utf8)
        let (families, problems) = Self.parse(text)
        #expect(problems.isEmpty, "\(problems)")
        #expect(Set(families.keys) == Set(PrometheusRenderer.metrics.map(\.fullName)))
        let g = families["guestcap_guests"]?.samples ?? [:]
        #expect(g["guestcap_guests{status=\"violating\"}"] == 2)
        #expect(g["guestcap_guests{status=\"unreadable\"}"] == 1)
        #expect(g["guestcap_guests{status=\"waived\"}"] == 1)
        #expect(g["guestcap_guests{status=\"compliant\"}"] == 1)
        let open = families["guestcap_open_findings"]?.samples ?? [:]
        #expect(open["guestcap_open_findings{rule=\"unjustified-immunity\",severity=\"critical\"}"] == 2)
        #expect(open["guestcap_open_findings{rule=\"config-unreadable\",severity=\"warning\"}"] == 1)
        #expect(open["guestcap_open_findings{rule=\"reserved-bits\",severity=\"warning\"}"] == 0, "every rule present")
        let waived = families["guestcap_waived_findings"]?.samples ?? [:]
        #expect(waived["guestcap_waived_findings{rule=\"unjustified-immunity\",severity=\"critical\"}"] == 1)
        #expect(
            families["guestcap_last_audit_timestamp_seconds"]?.samples["guestcap_last_audit_timestamp_seconds"]
                == start.addingTimeInterval(3600).timeIntervalSince1970)
        let info = try #require(families["guestcap_host_msr_info"]?.samples.keys.first)
        #expect(info.contains("hostname=\"kvm-clx-01\"") && info.contains("value=\"0x00000000000000ab\""))
        #expect(
            families["guestcap_host_msr_bit"]?.samples["guestcap_host_msr_bit{bit=\"taa-no\",set=\"justified\"}"] == 0)
        for name in ["bad", "ok", "waived", "cut"] { #expect(!text.contains("\(name)-\(w.marker)"), "no guest names") }

        // An export of the same history renders the same families with the same HELP and label names.
        let period = try ExportPeriod(from: start, to: start.addingTimeInterval(7200))
        let report = try ReportAssembler(now: period.to).report(from: try openHistory(w.database), period: period)
        let exported = Self.parse(PrometheusRenderer.render(report)).families
        for (name, f) in families {
            #expect(exported[name]?.help == f.help && exported[name]?.type == f.type, "\(name)")
            #expect(exported[name]?.labelNames == f.labelNames, "\(name)")
        }

        let r = try Self.promtool(text)
        #expect(r.status == 0 && r.output.isEmpty, "promtool: \(r.output)")
    }

    @Test("the parser finds what is wrong")
    func parserCatchesProblems() {
        let bad =
            "guestcap_x 1\n# HELP guestcap_y y\n# TYPE guestcap_y gauge\nguestcap_y{a=\"1\"} one\nguestcap_y{a=\"1\"} 2\n"
        #expect(Self.parse(bad).problems.count == 2)
        #expect(
            Self.parse("# HELP guestcap_y y\n# TYPE guestcap_y gauge\nguestcap_y 2\nguestcap_y 3\n").problems.count == 1
        )
    }

    /// `promtool check metrics` on `text`.
    static func promtool(_ text: String) throws -> (status: Int32, output: String) {
        let tool = try TestTool.promtool.require()
        let input = Shell.tempDir() + "/metrics.prom"
        try text.write(toFile: input, atomically: true, encoding: .utf8)
        let r = try Shell.run("/bin/sh", ["-c", "\(tool) check metrics < '\(input)'"])
        return (r.status, r.stdout + r.stderr)
    }

    /// A settable clock for the auditor.
    final class Clock: @unchecked Sendable {
        var date: Date
        init(_ date: Date) { self.date = date }
    }

    @Test("a textfile that cannot be written: an error naming the file and the reason, and the audit goes on")
    func unwritableTextfileIsAnError() async throws {
        let w = try DaemonWorld()
        w.put("bad.xml", DaemonWorld.domain(name: "bad-\(w.marker)", force: ["taa-no"]))
        var config = DaemonConfiguration()
        config.hostRoot = w.hostRoot
        config.databasePath = w.database
        config.sources = [WatchedSource(kind: .libvirt, directory: w.guests)]
        // The textfile's folder is a plain file: nothing can be written under it.
        _ = FileManager.default.createFile(atPath: w.dir + "/blocked", contents: Data())
        config.textfilePath = w.dir + "/blocked/guestcap.prom"
        try FileManager.default.createDirectory(atPath: w.dir + "/db", withIntermediateDirectories: true)
        let capture = LogCapture()
        let auditor = Auditor(
            configuration: config, policy: Policy(), store: try HistoryStore(path: w.database),
            sink: JournalSink(transport: NullJournal(), logger: capture.logger), logger: capture.logger,
            version: "test")
        try auditor.start(snapshot: HostProbe(root: HostRoot(w.hostRoot)).snapshot(), processes: nil)
        let inbox = AuditInbox()
        let service = AuditorService(
            auditor: auditor, inbox: inbox, heartbeat: Heartbeat(),
            notifier: NotifierService(heartbeat: Heartbeat(), logger: capture.logger),
            logger: capture.logger)
        inbox.finish()
        await service.run()
        let errors = capture.lines.filter { $0.hasPrefix("error cannot write the textfile export") }
        try #require(!errors.isEmpty, "\(capture.lines)")
        #expect(
            errors[0].contains("export \(w.dir)/blocked/guestcap.prom: ") && errors[0].contains("/blocked"),
            "\(errors[0])")
        #expect(auditor.counts.violating == 1)
    }
}
