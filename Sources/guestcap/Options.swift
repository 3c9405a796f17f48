import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapExport
import GuestCapSources
import GuestCapStore

/// text or json.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Where host facts come from: a host tree or a saved snapshot.
struct HostOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Read host facts only below this directory (a host as a tree; see the docs).",
                               valueName: "dir"))
    var hostRoot: String = "/"

    @Option(help: ArgumentHelp("Evaluate against a saved host (output of 'guestcap host --format json', or a report's host member) instead of reading one.",
                               valueName: "file"))
    var hostSnapshot: String?

    func validate() throws {
        if hostSnapshot != nil && hostRoot != "/" {
            throw ValidationError("use either --host-root or --host-snapshot, not both")
        }
    }

    /// Reads the host (or the snapshot file).
    func snapshot() throws -> HostSnapshot {
        if let file = hostSnapshot {
            do { return try SnapshotFile.load(path: file) } catch { throw fail(error.description) }
        }
        return HostProbe(root: HostRoot(hostRoot)).snapshot()
    }

    /// Reads and assesses the host under an engine's policy.
    func assess(with engine: PolicyEngine) throws -> HostAssessment {
        engine.assess(try snapshot())
    }
}

/// Writes a value as pretty JSON to standard output.
func printJSON(_ value: some Encodable) throws {
    let data = try ReportCoding.encoder().encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// Prints a report as the generic `printJSON` would, byte for byte, through its faster writer.
func printJSON(_ report: ReportDocument) throws {
    try ReportJSON.write(report) { FileHandle.standardOutput.write(Data($0)) }
}

/// Prints to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
}

/// The policy file option shared by `check`.
struct PolicyOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Policy file (rules, severities, waivers, migration pools). Default: the built-in policy.",
                               valueName: "file"))
    var policy: String?

    /// The policy in force.
    func load(now: Date) throws -> Policy {
        guard let path = policy else { return .builtIn }
        do { return try PolicyLoader().load(path: path) } catch { throw fail(error.description) }
    }
}

/// Prints why an input cannot be used and gives the exit status for it (2).
func fail(_ message: String) -> ExitCode {
    printError("guestcap: " + message)
    return ExitCode(2)
}

/// Where the history database is.
struct DatabaseOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The history database the daemon writes.", valueName: "file"))
    var database: String = HistoryStore.defaultPath

    /// Opens the database read-only (safe while the daemon writes it).
    func open() throws -> HistoryStore {
        guard FileManager.default.fileExists(atPath: database) else {
            throw fail("\(database) does not exist: the daemon has not run yet, or use --database FILE")
        }
        do { return try HistoryStore(path: database, readOnly: true) } catch { throw fail(error.description) }
    }
}
