#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import SystemPackage

/// Writes a file so that readers see either the old content or the whole new content, never a
/// part: a temporary file in the same directory, `fchmod` to the final mode (whatever the
/// umask), `fsync`, `rename` over the target, `fsync` of the directory.
///
/// node_exporter's textfile collector reads `*.prom` files at any moment; the temporary's name
/// starts with `.` and ends in `.tmp` so neither it nor a folder scan of exports picks it up.
public enum AtomicFile {
    /// Mode of compliance reports (JSON, CSV, HTML): owner and group only.
    public static let reportMode: mode_t = 0o640
    /// Mode of the Prometheus textfile: node_exporter runs as its own user and must read it.
    public static let textfileMode: mode_t = 0o644

    /// Replaces `path` with `data`, created with `mode`. Without `sync` (a file rewritten often,
    /// such as the daemon's textfile) neither the file nor the directory is fsynced: readers
    /// still never see part of it, but a power loss may leave the previous version.
    /// - Throws: ``ExportError/write(path:step:errno:)`` naming the file and the step that failed.
    public static func write(
        _ data: some DataProtocol, to path: String, mode: mode_t,
        sync: Bool = true
    ) throws(ExportError) {
        let bytes = Array(data)
        do {
            try write(to: path, mode: mode, sync: sync) { chunk in try chunk(bytes) }
        } catch let e as ExportError {
            throw e
        } catch {
            throw .write(path: path, step: "write", errno: EIO)
        }
    }

    /// Replaces `path` with what `body` writes through the function it is given, in as many
    /// chunks as it likes (for outputs too large to build in memory first).
    /// - Throws: ``ExportError/write(path:step:errno:)``, or what `body` throws (the file is then
    ///   left as it was).
    public static func write(
        to path: String, mode: mode_t, sync: Bool = true,
        _ body: ((_ chunk: [UInt8]) throws -> Void) throws -> Void
    ) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        let temp = dir + "/." + url.lastPathComponent + ".\(getpid()).tmp"
        unlink(temp)  // a leftover of a crashed run with the same pid
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else {
            let e = errno
            // The temporary's name means nothing to the user: a folder problem names the folder.
            let type: FileType
            do { type = try FilePath(dir).stat().type } catch {
                throw ExportError.folder(path: dir, errno: error.rawValue)
            }
            if type != .directory { throw ExportError.folder(path: dir, errno: ENOTDIR) }
            if e == EACCES || e == EROFS { throw ExportError.folder(path: dir, errno: e) }
            throw ExportError.write(path: path, step: "create a temporary file beside it", errno: e)
        }
        do {
            guard fchmod(fd, mode) == 0 else { throw ExportError.write(path: path, step: "chmod", errno: errno) }
            try body { bytes in
                if let failure = writeAll(fd, bytes, path: path) { throw failure }
            }
            guard !sync || fsync(fd) == 0 else { throw ExportError.write(path: path, step: "fsync", errno: errno) }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw ExportError.write(path: path, step: "rename into place", errno: e)
        }
        let dfd = sync ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// Makes the folder `dir` and any missing parent (mode 0700 before the umask), as a fresh
    /// install needs for `/var/lib/guestcap/exports`: systemd's `StateDirectory=` makes only
    /// the parent. A folder already there is left as it is.
    /// - Throws: ``ExportError/write(path:step:errno:)`` naming the folder that could not be made.
    public static func makeFolders(_ dir: String) throws(ExportError) {
        var path = dir.hasPrefix("/") ? "" : "."
        for part in dir.split(separator: "/") where part != "." {
            path += "/" + part
            if mkdir(path, 0o700) != 0 && errno != EEXIST {
                throw .write(path: dir, step: "make the folder \(path)", errno: errno)
            }
        }
        guard (try? FilePath(dir).stat())?.type == .directory else {
            throw .write(path: dir, step: "use it as a folder", errno: ENOTDIR)
        }
    }

    /// Writes every byte, retrying EINTR and short writes; nil on success.
    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) -> ExportError? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buf in
                systemWrite(fd, buf.baseAddress! + offset, buf.count - offset)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .write(path: path, step: "write", errno: errno)
            }
            offset += n
        }
        return nil
    }
}

private func systemWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buf, count)
}
