import Dispatch
import GRDB
import Synchronization

/// Copies committed WAL frames into the database file on a thread of its own, through a
/// connection of its own. A passive checkpoint takes no lock the writer needs, so commits
/// (and the journal entries that wait for them) never wait for the database file's fsync.
/// Requests while one runs merge into one more run.
final class BackgroundCheckpointer: Sendable {
    private let connection: DatabaseQueue
    private let queue = DispatchQueue(label: "guestcap.history.checkpoint", qos: .utility)
    private let pending = Mutex(false)

    init(path: String) throws {
        var config = Configuration()
        config.label = "guestcap.history.checkpoint"
        connection = try DatabaseQueue(path: path, configuration: config)
    }

    /// Asks for a checkpoint soon.
    func request() {
        let first = pending.withLock { p in
            defer { p = true }
            return !p
        }
        guard first else { return }
        queue.async { [self] in
            pending.withLock { $0 = false }
            // A failure (a reader holding old frames, a full disk) leaves the frames in the
            // WAL, where they are safe; the next commit asks again.
            try? connection.inDatabase { db in _ = try db.checkpoint(.passive) }
        }
    }
}
