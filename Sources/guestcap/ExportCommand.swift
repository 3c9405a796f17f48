import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapReport
import GuestCapSources

/// `guestcap export`: the compliance export of a period, from the history database.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a period of the audit history as JSON, CSV, HTML or Prometheus text.",
        discussion: """
            Reads the history database read-only (safe while guestcap.service writes it). The period \
            defaults to the last 24 hours; --since/--until take RFC 3339 (2026-11-25T06:00:00Z) or a \
            date (2026-11-25, midnight UTC). A guest's status is the worst it had during the period; \
            host facts come from the host snapshots stored in the database.

              json        a guestcap.report/v1 document with period, host_snapshots and the policy's SHA-256
              csv         one row per finding (header documented in docs/export.md)
              html        one self-contained page for auditors (prints well)
              prometheus  text exposition for node_exporter's textfile collector
              all         json, csv and html into --output-dir as guestcap-HOST-FROM--TO.{json,csv,html}

            Files are replaced atomically: reports 0640, the Prometheus file (--output with \
            --format prometheus, or --textfile) 0644. Without --output the result goes to standard output.
            Exit status: 0 written; 2 usage error, or the database or a file could not be read or written.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, csv, html, prometheus, all
    }

    @OptionGroup var databaseOptions: DatabaseOptions

    @Option(
        help: ArgumentHelp(
            "Start of the period (RFC 3339 or YYYY-MM-DD, UTC); default: 24 hours before --until.",
            valueName: "date"))
    var since: String?

    @Option(help: ArgumentHelp("End of the period (exclusive); default: now.", valueName: "date"))
    var until: String?

    @Option(help: "Output format: json, csv, html, prometheus, or all (with --output-dir).")
    var format: Format = .json

    @Option(help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
    var output: String?

    @Option(
        help: ArgumentHelp(
            "With --format all: the folder the three reports are written to (made, 0700, if missing).", valueName: "dir"
        ))
    var outputDir: String?

    @Option(
        help: ArgumentHelp(
            "Also write the Prometheus text to this file (0644), e.g. /var/lib/prometheus/node-exporter/guestcap.prom.",
            valueName: "path"))
    var textfile: String?

    @Option(
        help: ArgumentHelp(
            "The policy file whose SHA-256 the report carries (default /etc/guestcap/policy.toml when it exists).",
            valueName: "file"))
    var policy: String?

    @Option(
        help: ArgumentHelp(
            "Render this guestcap.report/v1 document (an archived export, or 'check --format json') instead of reading the database.",
            valueName: "file"))
    var fromReport: String?

    func validate() throws {
        if format == .all && outputDir == nil { throw ValidationError("--format all needs --output-dir DIR") }
        if format != .all && outputDir != nil {
            throw ValidationError("--output-dir goes with --format all; use --output FILE")
        }
        if output != nil && outputDir != nil { throw ValidationError("use either --output or --output-dir, not both") }
        try validatePeriod(since: since, until: until)
    }

    func run() throws {
        do {
            let now = Date()
            let (report, lastAudit) = try load(now: now)
            try write(report, lastAudit: lastAudit)
        } catch let e as ExitCode {
            throw e
        } catch {
            printError("guestcap export: \(error)")
            throw ExitCode(2)
        }
    }

    private func load(now: Date) throws -> (ReportDocument, Date?) {
        if let fromReport {
            let data: Data
            do throws(ConfigReadError) {
                data = Data(try ConfigFileReader(maxBytes: FleetReader.maxReportBytes, limitHint: nil).read(fromReport))
            } catch {
                throw ExportError.unreadableReport(path: fromReport, reason: error.reason)
            }
            do {
                return (try ReportCoding.decoder().decode(ReportDocument.self, from: data), nil)
            } catch {
                throw ExportError.unreadableReport(
                    path: fromReport, reason: DecodingProblem.describe(error, data: data))
            }
        }
        let period = try ExportPeriod.parse(since: since, until: until, now: now)
        let history = try openHistory(databaseOptions.database)
        let assembler = ReportAssembler(policy: try loadPolicy(), now: now)
        let report = try assembler.report(from: history, period: period)
        // The last audit inside the period (the database may hold later ones).
        return (report, try history.lastAudit().map { min($0, period.to) })
    }

    /// The policy named by --policy, or the default file when present: its justification options
    /// rebuild J from the stored snapshots, and its SHA-256 goes into the report. A default policy
    /// file that does not validate is hashed as it is (the export still runs, with a warning):
    /// the daemon keeps the last good policy in that case, and the history is what is exported.
    private func loadPolicy() throws -> Policy {
        let path = policy ?? PolicyLoader.defaultPath
        if policy == nil && !FileManager.default.fileExists(atPath: path) { return .builtIn }
        do {
            return try PolicyLoader().load(path: path)
        } catch {
            guard policy == nil, let bytes = FileManager.default.contents(atPath: path) else {
                throw ExportError.policy(path: path, reason: error.description)
            }
            printError("guestcap export: warning: \(error.description); the report carries the file's hash")
            return Policy(path: path, sha256: SHA256.hex(of: bytes))
        }
    }

    private func write(_ report: ReportDocument, lastAudit: Date?) throws {
        if let textfile {
            try AtomicFile.write(
                Data(PrometheusRenderer.render(report, lastAudit: lastAudit).utf8), to: textfile,
                mode: AtomicFile.textfileMode)
        }
        switch format {
        case .all:
            let dir = outputDir!
            try AtomicFile.makeFolders(dir)
            let base = dir + "/" + ExportFileName.base(report)
            for format in [Format.json, .csv, .html] {
                try Self.write(format, report, to: base + "." + format.rawValue)
            }
            print(base + ".{json,csv,html}")
        case .json, .csv, .html:
            if let output {
                try Self.write(format, report, to: output)
            } else {
                try Self.produce(format, report) { FileHandle.standardOutput.write(Data($0)) }
            }
        case .prometheus:
            try emit(Data(PrometheusRenderer.render(report, lastAudit: lastAudit).utf8), mode: AtomicFile.textfileMode)
        }
    }

    /// Replaces the report file at `path` (0640) with `report` in `format`, written as it is made.
    private static func write(_ format: Format, _ report: ReportDocument, to path: String) throws {
        try AtomicFile.write(to: path, mode: AtomicFile.reportMode) { chunk in
            try withoutActuallyEscaping(chunk) { try produce(format, report, to: $0) }
        }
    }

    /// Hands a report's bytes in `format` to `sink` piece by piece as they are made: a year's
    /// report is hundreds of megabytes of text, never held whole.
    private static func produce(
        _ format: Format, _ report: ReportDocument,
        to sink: @escaping ([UInt8]) throws -> Void
    ) throws {
        switch format {
        case .json: try ReportJSON.write(report, to: sink)
        case .csv: try CSVRenderer.write(report) { try sink(Array($0.utf8)) }
        case .html: try HTMLRenderer.write(report, version: GuestCap.version) { try sink(Array($0.utf8)) }
        case .prometheus, .all: preconditionFailure("\(format) is not a streamed report")
        }
    }

    private func emit(_ data: Data, mode: mode_t) throws {
        if let output {
            try AtomicFile.write(data, to: output, mode: mode)
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
