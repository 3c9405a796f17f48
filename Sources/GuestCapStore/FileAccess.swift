#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import SystemPackage

/// The database's files on disk: created root-only, kept root-only, and checked when SQLite
/// fails with an unspecific error.
enum FileAccess {
    /// The database file and the two files SQLite keeps beside it in WAL mode.
    static func files(of path: String) -> [String] { [path, path + "-wal", path + "-shm"] }

    /// Creates the folder (0700) and an empty database file (0600) when missing, and takes
    /// group and other permissions away from existing files.
    ///
    /// SQLite gives `-wal` and `-shm` the database file's own mode, so a 0600 file keeps
    /// all three root-only whatever the umask.
    static func prepare(path: String) throws(StoreError) {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, access(folder, F_OK) != 0 {
            do {
                try FileManager.default.createDirectory(
                    atPath: folder, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw failure(
                    path: path, operation: "create the folder of", errno: errno,
                    detail: "cannot create \(folder)")
            }
        }
        if isFolder(path) { throw StoreError(kind: .folder, path: path, operation: "open", detail: "a folder") }
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0 {
            let e = errno
            throw failure(path: path, operation: "open", errno: e, detail: String(cString: strerror(e)))
        }
        close(fd)
        tighten(path: path)
    }

    /// Removes group and other permissions from the database, its WAL and its shared memory file.
    static func tighten(path: String) {
        for file in files(of: path) {
            if let st = try? FilePath(file).stat(),
                !st.permissions.isDisjoint(with: [.groupReadWriteExecute, .otherReadWriteExecute])
            {
                _ = chmod(file, 0o600)
            }
        }
    }

    /// What keeps the database at `path` from being used, judged from the file system.
    static func problem(at path: String, write: Bool = true) -> StoreError.Kind? {
        let folder = (path as NSString).deletingLastPathComponent
        if access(folder.isEmpty ? "." : folder, X_OK) != 0, errno == EACCES { return .permission }
        if access(path, F_OK) != 0 { return errno == EACCES ? .permission : .missing }
        if isFolder(path) { return .folder }
        if access(path, write ? (R_OK | W_OK) : R_OK) != 0 {
            switch errno {
            case EACCES, EPERM: return .permission
            case EROFS: return .readOnly
            default: break
            }
        }
        var fs = statvfs()
        if write, statvfs(path, &fs) == 0 {
            if fs.f_flag & UInt(ST_RDONLY) != 0 { return .readOnly }
            if fs.f_bavail == 0 { return .diskFull }
        }
        return nil
    }

    /// Whether `path` is a folder (SQLite would call it a disk I/O error).
    static func isFolder(_ path: String) -> Bool {
        (try? FilePath(path).stat())?.type == .directory
    }

    /// Whether the file system holding `path` is mounted read-only.
    static func isOnReadOnlyFileSystem(_ path: String) -> Bool {
        var fs = statvfs()
        return statvfs(path, &fs) == 0 && fs.f_flag & UInt(ST_RDONLY) != 0
    }

    /// `path` with the characters an SQLite URI gives meaning to percent-encoded.
    static func uriEscaped(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0..<0x21, 0x7f...:
                out += String(format: "%%%02X", byte)
            default:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    /// An error for a failed system call on the database's files.
    static func failure(path: String, operation: String, errno e: Int32, detail: String) -> StoreError {
        let kind: StoreError.Kind =
            switch e {
            case EACCES, EPERM: .permission
            case EROFS: .readOnly
            case ENOSPC, EDQUOT: .diskFull
            case ENOENT: .missing
            default: .other
            }
        return StoreError(kind: kind, path: path, operation: operation, detail: detail)
    }
}
