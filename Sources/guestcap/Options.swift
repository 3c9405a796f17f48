import ArgumentParser
import Foundation
import GuestCapCore
import GuestCapDaemon
import GuestCapReport
import GuestCapSources
import GuestCapStore

/// text or json.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Where host facts come from: a host tree or a saved snapshot.
struct HostOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Read host facts only below this directory (a host as a tree; see the docs).",
            valueName: "dir"))
    var hostRoot: String = "/"

    @Option(
        help: ArgumentHelp(
            "Evaluate against a saved host (output of 'guestcap host --format json', or a report's host member) instead of reading one.",
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
        let root = HostRoot(hostRoot)
        do { try root.check() } catch { throw fail(error.description) }
        return HostProbe(root: root).snapshot()
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

/// The policy options of `check`: the same file the daemon reads unless told otherwise.
struct PolicyOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Policy file (rules, severities, waivers, migration pools). Default: \(DaemonConfiguration.defaultPolicyPath) when it exists, as for the daemon, else the built-in policy.",
            valueName: "file"))
    var policy: String?

    @Flag(
        help: "Use the built-in policy (every rule at its default severity, no pools, no waivers), not the policy file."
    )
    var builtinPolicy = false

    func validate() throws {
        if builtinPolicy && policy != nil { throw ValidationError("use either --policy or --builtin-policy, not both") }
    }

    /// The policy in force: the one the daemon would use with the default configuration.
    func load(now: Date) throws -> Policy {
        if builtinPolicy { return .builtIn }
        var c = DaemonConfiguration()
        if let policy {
            c.policyPath = policy
            c.policyRequired = true
        }
        do { return try DaemonOverrides.policy(for: c) } catch { throw fail(error.description) }
    }
}

/// Refuses `--since` at or after `--until` the same way for every command that takes both (exit 2).
func validatePeriod(since: String?, until: String?) throws {
    guard let from = since.flatMap(ReportCoding.parseDate), let to = until.flatMap(ReportCoding.parseDate) else {
        return
    }
    do { _ = try ExportPeriod(from: from, to: to) } catch { throw ValidationError(error.description) }
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
