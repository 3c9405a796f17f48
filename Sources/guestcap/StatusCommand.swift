import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapReport
import GuestCapStore

/// `guestcap status`: what the daemon's database says now.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the current open findings, worst first, and the host's current state.",
        discussion: """
            Reads the daemon's history database (safe while the daemon writes it).
            Exit status: 0 nothing at severity error or above is open; 1 something is; \
            2 the database cannot be read.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Output format: text or json.") var format: OutputFormat = .text
    @OptionGroup var width: OutputWidth

    func run() throws {
        let store = try database.open()
        let status: StoreStatus
        do { status = try store.status() } catch { throw fail(error.description) }
        let daemon = status.run.map { DaemonState($0) }
        switch format {
        case .text:
            let text = StatusTextRenderer.render(status, daemon: daemon, path: store.path, width: width.columns)
            print(width.fit(text), terminator: "")
        case .json: try printJSON(StatusDocument(status, daemon: daemon, path: store.path))
        }
        if status.findings.contains(where: { $0.record.state == .open && $0.record.severity.isViolation }) {
            throw ExitCode(1)
        }
    }
}
