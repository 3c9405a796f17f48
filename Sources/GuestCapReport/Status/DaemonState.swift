import Foundation
import GuestCapCore
import GuestCapSources
import GuestCapStore

/// The last daemon run of a database, and whether it still runs: its PID and start time
/// against /proc, so a crashed daemon is told apart from a running one.
public struct DaemonState: Encodable, Sendable {
    public let pid: Int32
    public let version: String
    public let started: Date
    public let ended: Date?
    /// `running`, `stopped` or `ended-abruptly`.
    public let state: String
    /// Why it is taken to have ended abruptly.
    public let reason: String?

    /// The state of `run`; `liveness` is asked only for a run that recorded no end.
    public init(_ run: DaemonRun, liveness: (DaemonRun) -> ProcessStartTime.Liveness = DaemonState.liveness) {
        pid = run.pid
        version = run.version
        started = run.started
        ended = run.ended
        if run.ended != nil {
            (state, reason) = ("stopped", nil)
        } else {
            switch liveness(run) {
            case .running: (state, reason) = ("running", nil)
            case .gone: (state, reason) = ("ended-abruptly", "no process \(run.pid) runs now")
            case .reused: (state, reason) = ("ended-abruptly", "pid \(run.pid) now belongs to a process started later")
            }
        }
    }

    /// Whether `run`'s process still runs on this host, from /proc.
    public static func liveness(_ run: DaemonRun) -> ProcessStartTime.Liveness {
        ProcessStartTime.liveness(pid: Int(run.pid), started: run.started)
    }

    /// The state as the text output says it.
    public var sentence: String {
        switch state {
        case "stopped": return "stopped " + (ended.map(ReportCoding.formatDate) ?? "")
        case "running": return "running"
        default: return "ended abruptly (\(reason ?? "")) without recording its stop"
        }
    }
}
