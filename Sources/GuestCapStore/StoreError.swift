import Foundation
import GRDB

/// Why the history database could not be used, as a sentence with the path and what to do.
///
/// One error type for the whole store. The daemon keeps auditing when the database is full
/// or read-only (it logs the sentence and catches up later); the CLI prints it and exits.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely: enough to decide what to do.
    public enum Kind: String, Sendable {
        /// The process may not read or write the file or its folder.
        case permission
        /// The file system is full (SQLITE_FULL / ENOSPC).
        case diskFull
        /// The file or file system is read-only, or the store was opened read-only.
        case readOnly
        /// The file is not SQLite, or SQLite without guestcap's schema.
        case notGuestcap
        /// The schema was written by a newer guestcap.
        case newerSchema
        /// A read-only open of a database whose schema is older than this guestcap's.
        case olderSchema
        /// There is no database at the path (read-only opens do not create one).
        case missing
        /// The path is a folder, not a database file.
        case folder
        /// The database file is damaged.
        case corrupt
        /// Another connection held the lock for longer than the busy timeout.
        case busy
        /// Anything else SQLite or the file system reported.
        case other
    }

    /// The kind of failure.
    public let kind: Kind
    /// The database file.
    public let path: String
    /// What guestcap was doing: "open", "record the audit"…
    public let operation: String
    /// What SQLite or the system said.
    public let detail: String

    /// Creates an error.
    public init(kind: Kind, path: String, operation: String, detail: String) {
        self.kind = kind
        self.path = path
        self.operation = operation
        self.detail = detail
    }

    /// Whether the file system holding the database is full.
    public var isDiskFull: Bool { kind == .diskFull }
    /// Whether the database cannot be written (read-only file, file system or open).
    public var isReadOnly: Bool { kind == .readOnly }
    /// Whether the process lacks permission (the database is root-only).
    public var isPermission: Bool { kind == .permission }

    /// The folder holding the database.
    var folder: String { (path as NSString).deletingLastPathComponent }

    public var description: String {
        let head = "cannot \(operation) \(path)"
        switch kind {
        case .permission:
            return "\(head): permission denied (the database is root-only; run as root)"
        case .diskFull:
            return "\(head): database or disk is full (SQLITE_FULL): free space on \(folder); "
                + "guestcap keeps auditing and will catch up"
        case .readOnly:
            return "\(head): the database is read-only (\(detail)): remount \(folder) read-write or make the file "
                + "writable by root; guestcap keeps auditing and will catch up"
        case .notGuestcap:
            return "\(head): it is not a guestcap database (\(detail)): move it aside or choose another database path"
        case .newerSchema:
            return "\(head): it was written by a newer guestcap (\(detail)): upgrade guestcap"
        case .olderSchema:
            return "\(head): its schema is older than this guestcap's (\(detail)): start the daemon once to migrate it"
        case .missing:
            return "\(head): no such file (the daemon creates it when it first runs; start guestcap's daemon "
                + "or give the right database path)"
        case .folder:
            return "\(head): it is a folder, not a database file (name the file in it, such as "
                + "\((path as NSString).appendingPathComponent("history.sqlite")))"
        case .corrupt:
            return "\(head): the database is damaged (\(detail)): move it aside (guestcap starts a new history) "
                + "or restore a backup"
        case .busy:
            return "\(head): the database stayed locked (\(detail)): another process holds it; retry"
        case .other:
            return "\(head): \(detail)"
        }
    }
}

extension StoreError {
    /// Classifies any error raised while using the database at `path`.
    static func from(_ error: any Error, path: String, operation: String) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? DatabaseError {
            return from(
                code: e.resultCode, extendedCode: e.extendedResultCode.rawValue,
                message: e.message ?? "\(e)", errno: errno, path: path, operation: operation)
        }
        return StoreError(kind: .other, path: path, operation: operation, detail: String(describing: error))
    }

    /// Classifies an SQLite result code (and the `errno` seen with it) at `path`.
    static func from(
        code: ResultCode, extendedCode: Int32, message: String, errno: Int32,
        path: String, operation: String
    ) -> StoreError {
        let detail = "\(message) (SQLite code \(extendedCode))"
        func make(_ kind: Kind) -> StoreError {
            StoreError(kind: kind, path: path, operation: operation, detail: detail)
        }
        switch code {
        case .SQLITE_FULL: return make(.diskFull)
        case .SQLITE_READONLY: return make(.readOnly)
        case .SQLITE_PERM, .SQLITE_AUTH: return make(.permission)
        case .SQLITE_NOTADB: return make(.notGuestcap)
        case .SQLITE_CORRUPT: return make(.corrupt)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return make(.busy)
        case .SQLITE_CANTOPEN, .SQLITE_IOERR:
            if errno == EACCES || errno == EPERM { return make(.permission) }
            if errno == ENOSPC || errno == EDQUOT { return make(.diskFull) }
            if errno == EROFS { return make(.readOnly) }
            if let kind = FileAccess.problem(at: path) { return make(kind) }
            return make(.other)
        default:
            return make(.other)
        }
    }
}
