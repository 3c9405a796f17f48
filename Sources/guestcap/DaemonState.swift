import Foundation
import GuestCapCore
import GuestCapSources
import GuestCapStore

/// The last daemon run of a database, and whether it still runs: its PID and start time
/// against /proc, so a crashed daemon is told apart from a running one.
struct DaemonState: Encodable {
    let pid: Int32
    let version: String
    let started: Date
    let ended: Date?
    /// `running`, `stopped` or `ended-abruptly`.
    let state: String
    /// Why it is taken to have ended abruptly.
    let reason: String?

    init(_ run: DaemonRun) {
        pid = run.pid
        version = run.version
        started = run.started
        ended = run.ended
        if run.ended != nil {
            (state, reason) = ("stopped", nil)
        } else {
            switch ProcessStartTime.liveness(pid: Int(run.pid), started: run.started) {
            case .running: (state, reason) = ("running", nil)
            case .gone: (state, reason) = ("ended-abruptly", "no process \(run.pid) runs now")
            case .reused: (state, reason) = ("ended-abruptly", "pid \(run.pid) now belongs to a process started later")
            }
        }
    }

    /// The state as the text output says it.
    var sentence: String {
        switch state {
        case "stopped": return "stopped " + (ended.map(ReportCoding.formatDate) ?? "")
        case "running": return "running"
        default: return "ended abruptly (\(reason ?? "")) without recording its stop"
        }
    }
}
