import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapReport
import GuestCapStore

/// `guestcap history`: the timeline of findings and host changes.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show when findings opened, were waived, expired and resolved, and when the host changed.",
        discussion: """
            Examples:
              guestcap history --rule unjustified-immunity --since 2026-11-01
              guestcap history --guest 'web-*' --since 2026-10-01T00:00:00Z --until 2026-11-01
            Dates are RFC 3339 or YYYY-MM-DD (midnight UTC). Exit status: 0, or 2 when the \
            database cannot be read.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: ArgumentHelp("A guest name or UUID, exact or a glob ('web-*').", valueName: "name|uuid"))
    var guest: String?
    @Option(help: ArgumentHelp("Only findings of this rule.", valueName: "rule")) var rule: String?
    @Option(help: ArgumentHelp("From this date (inclusive).", valueName: "date")) var since: String?
    @Option(help: ArgumentHelp("Until this date (exclusive).", valueName: "date")) var until: String?
    // Unconditional: "-1" is a value to refuse with a reason, not a flag.
    @Option(parsing: .unconditional, help: ArgumentHelp("At most this many events (the most recent).", valueName: "n"))
    var limit: Int?
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @OptionGroup var width: OutputWidth

    func validate() throws {
        if let rule, Rule(rawValue: rule) == nil {
            throw ValidationError(
                "unknown rule '\(rule)'; rules: \(Rule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, ReportCoding.parseDate(value) == nil {
                throw ValidationError("\(name) '\(value)' is not a date (use YYYY-MM-DD or RFC 3339)")
            }
        }
        if let limit, limit < 1 { throw ValidationError("--limit must be positive") }
        try validatePeriod(since: since, until: until)
    }

    func run() throws {
        let store = try database.open()
        let filter = HistoryFilter(
            guest: guest, rule: rule.flatMap(Rule.init(rawValue:)),
            since: since.flatMap(ReportCoding.parseDate), until: until.flatMap(ReportCoding.parseDate),
            limit: limit)
        let events: [HistoryEvent]
        do { events = try store.history(filter) } catch { throw fail(error.description) }
        switch format {
        case .text: print(HistoryTextRenderer.render(events, width: width.columns), terminator: "")
        case .json: try printJSON(events.map(HistoryEventDocument.init))
        }
    }
}
