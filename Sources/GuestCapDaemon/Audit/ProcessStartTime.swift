import Foundation
import Glibc

/// When a process started, from `<host root>/proc/PID/stat` (field 22, clock ticks since boot)
/// and the boot time in `<host root>/proc/stat` (`btime`).
enum ProcessStartTime {
    static func of(pid: Int, hostRoot: String) -> Date? {
        let root = hostRoot == "/" ? "" : hostRoot
        guard let stat = try? String(contentsOfFile: "\(root)/proc/\(pid)/stat", encoding: .utf8),
              let procStat = try? String(contentsOfFile: "\(root)/proc/stat", encoding: .utf8) else { return nil }
        // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let rest = stat[stat.index(after: close)...].split(separator: " ")
        // rest[0] is field 3 (state), so field 22 is rest[19].
        guard rest.count > 19, let ticks = Double(rest[19]) else { return nil }
        guard let line = procStat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let btime = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return Date(timeIntervalSince1970: btime + ticks / (hz > 0 ? hz : 100))
    }
}
