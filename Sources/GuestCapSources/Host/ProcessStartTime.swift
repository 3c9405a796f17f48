import Foundation
import Glibc

/// When a process started, from `<host root>/proc/PID/stat` (field 22, clock ticks since boot)
/// and the boot time in `<host root>/proc/stat` (`btime`).
public enum ProcessStartTime {
    /// Whether a recorded process still runs.
    public enum Liveness: Sendable, Equatable {
        /// The process with that PID started no later than the record says it did.
        case running
        /// No process has that PID.
        case gone
        /// A process with that PID runs, but it started after the recorded one: the PID was reused.
        case reused
    }

    /// The start time of `pid`, or nil when there is no such process.
    public static func of(pid: Int, hostRoot: String) -> Date? {
        let root = hostRoot == "/" ? "" : hostRoot
        guard let stat = try? String(contentsOfFile: "\(root)/proc/\(pid)/stat", encoding: .utf8),
            let procStat = try? String(contentsOfFile: "\(root)/proc/stat", encoding: .utf8)
        else { return nil }
        // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state), so field 22 is rest[19].
        guard rest.count > 19, let ticks = Double(rest[19]) else { return nil }
        guard let line = procStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let btime = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return Date(timeIntervalSince1970: btime + ticks / (hz > 0 ? hz : 100))
    }

    /// Whether the process `pid` that started at `started` (a time it recorded itself, so no
    /// earlier than its real start) still runs, judged from its start time in /proc.
    public static func liveness(pid: Int, started: Date, hostRoot: String = "/") -> Liveness {
        guard let actual = of(pid: pid, hostRoot: hostRoot) else { return .gone }
        // btime has whole seconds and the start ticks are rounded: allow 2 s.
        return actual.timeIntervalSince(started) <= 2 ? .running : .reused
    }
}
