import Foundation
import GuestCapTestSupport

/// Reads entries back from the real journald with `journalctl -o json`, the way an operator does.
enum JournalReader {
    /// One entry: field → values (journald gives a repeated field as an array).
    struct Entry {
        let fields: [String: [String]]
        subscript(_ name: String) -> String? { fields[name]?.first }
        func all(_ name: String) -> [String] { fields[name] ?? [] }
    }

    /// Starts journald (scripts/start-journald.sh) once per test process unless one answers.
    static let ensureRunning: Void = {
        let r = try? Shell.run(Shell.packageRoot + "/scripts/start-journald.sh", [])
        if r?.status != 0 { print("start-journald.sh failed: \(r?.stderr ?? "not run")") }
    }()

    /// Entries matching every `FIELD=value` match, oldest first (after `journalctl --sync`);
    /// only those logged at or after `since` when given.
    static func entries(_ matches: [String], since: Date? = nil) throws -> [Entry] {
        _ = ensureRunning
        _ = try Shell.run("/usr/bin/timeout", ["10", "journalctl", "--sync"])
        return parse(try Shell.run("/usr/bin/journalctl", query(matches, since: since)).stdout)
    }

    /// The same, with journalctl waited for on a thread of its own: a test polling the journal
    /// does not hold one of the concurrency pool's threads, which the daemon under test needs.
    static func entries(_ matches: [String], since: Date? = nil) async throws -> [Entry] {
        _ = ensureRunning
        _ = try await Subprocess.run("/usr/bin/timeout", ["10", "journalctl", "--sync"])
        return parse(try await Subprocess.run("/usr/bin/journalctl", query(matches, since: since)).stdout)
    }

    private static func query(_ matches: [String], since: Date?) -> [String] {
        let window = since.map { [String(format: "--since=@%.6f", $0.timeIntervalSince1970)] } ?? []
        return ["-q", "--no-pager", "-o", "json"] + window + matches
    }

    private static func parse(_ json: String) -> [Entry] {
        json.split(separator: "\n").compactMap { line in
            guard let obj = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return nil
            }
            var fields: [String: [String]] = [:]
            for (k, v) in obj {
                if let s = v as? String {
                    fields[k] = [s]
                } else if let a = v as? [Any] {
                    fields[k] = a.compactMap { $0 as? String }
                }
            }
            return Entry(fields: fields)
        }
    }

    /// Polls until `count` entries match (the daemon works asynchronously), or the deadline.
    static func wait(
        _ matches: [String], count: Int, since: Date? = nil,
        timeout: Duration = .seconds(45)
    ) async throws -> [Entry] {
        let deadline = ContinuousClock.now + timeout
        var found = try await entries(matches, since: since)
        while found.count < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            found = try await entries(matches, since: since)
        }
        return found
    }
}
