import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapReport

/// `guestcap fleet`: many hosts' JSON exports merged into one fleet report.
struct FleetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Merge many hosts' JSON exports, or a central journal, into a fleet report.",
        discussion: """
            Each PATH is an export ('guestcap export --format json') or a folder searched recursively \
            for *.json files. With --journal DIR the hosts' states come instead from the guestcap entries \
            of a journal folder, such as the one systemd-journal-remote writes (docs/fleet.md): host \
            facts from host-changed, findings from their transitions, guests' statuses as the worst \
            they had in the entries read. Guests that never had a finding are not in the journal; a \
            host's guest count is the one its daemon logged at its last start. The report has fleet totals, the worst hosts, findings by rule, the host \
            states (MSR value and J), guests seen on several hosts (by UUID) with what each host told \
            them, and for each migration pool the guests that could not safely move to each pool host \
            (from migration-unsafe findings).

            Exports are decoded one at a time per core and reduced to counts as they are read, so memory \
            grows with the number of distinct guests, not with the size of the exports.
            Exit status: 0 all well; 1 a finding of severity error or critical is open in some export; \
            2 usage error, or an input could not be read (the rest is still reported).
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, html
    }

    @Option(help: "Output format: text, json or html.") var format: Format = .text
    @Option(help: ArgumentHelp("Write to this file (atomically, 0640) instead of standard output.", valueName: "file"))
    var output: String?
    @Option(parsing: .unconditional, help: "How many of the worst hosts to list.") var top: Int = 20
    @Option(parsing: .unconditional, help: "Decoding threads (default: one per CPU).") var jobs: Int?
    @Option(
        help: ArgumentHelp(
            "Read the hosts from this journal folder (systemd-journal-remote's output) instead of exports.",
            valueName: "dir"))
    var journal: String?
    @Argument(help: ArgumentHelp("Export files or folders of exports.", valueName: "path")) var paths: [String] = []

    func validate() throws {
        if journal != nil && !paths.isEmpty { throw ValidationError("name export files or --journal, not both") }
        if journal == nil && paths.isEmpty {
            throw ValidationError("name at least one export file or folder, or --journal DIR")
        }
        if top < 0 { throw ValidationError("--top must be 0 or more") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be positive") }
    }

    func run() throws {
        let merger: FleetMerger
        do {
            if let journal {
                merger = try JournalFleetReader(top: top).merge(directory: journal)
            } else {
                merger = try readExports()
            }
        } catch {
            printError("guestcap fleet: \(error)")
            throw ExitCode(2)
        }
        let now = Date()
        // Text and HTML show the first rows of each matrix; JSON streams all of them.
        let report = merger.report(generatedAt: now, rowLimit: format == .json ? 0 : 500)
        do {
            try write { sink in
                switch format {
                case .text: try sink(Array(FleetTextRenderer.render(report).utf8))
                case .html: try sink(Array(FleetHTMLRenderer.render(report).utf8))
                case .json: try merger.writeJSON(generatedAt: now) { try sink(Array($0)) }
                }
            }
        } catch {
            printError("guestcap fleet: \(error)")
            throw ExitCode(2)
        }
        for u in report.inputs.unreadable { printError("guestcap fleet: \(u.path): \(u.reason)") }
        if !report.inputs.unreadable.isEmpty { throw ExitCode(2) }
        if report.hasOpenViolation { throw ExitCode(1) }
    }

    private func readExports() throws -> FleetMerger {
        let files = try FleetReader.files(in: paths)
        var reader = FleetReader(top: top)
        if let jobs { reader.workers = max(1, jobs) }
        return reader.merge(files: files)
    }

    /// To --output (atomically, 0640) or standard output.
    private func write(_ body: ((_ chunk: [UInt8]) throws -> Void) throws -> Void) throws {
        if let output {
            try AtomicFile.write(to: output, mode: AtomicFile.reportMode, body)
        } else {
            try body { FileHandle.standardOutput.write(Data($0)) }
        }
    }
}
