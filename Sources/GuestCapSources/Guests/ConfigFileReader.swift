import Glibc
import SystemPackage

/// Reads one file the way a root daemon must: never blocking on a FIFO, never reading a
/// device or a huge file, and saying exactly why when it refuses. Every file guestcap reads
/// that a user names or a folder holds (configurations, policies, snapshots, reports, the
/// small files of /proc and /sys) is read through it.
public struct ConfigFileReader: Sendable {
    /// The setting that raises the limit of guest configurations, named when one is over it.
    public static let configLimitHint =
        "raise it with --max-config-bytes, or max_config_bytes in the daemon configuration"

    /// Largest file accepted, in bytes.
    public let maxBytes: Int
    /// What the message of a file over the limit adds (how to raise it), or nil.
    public let limitHint: String?

    /// A reader of files up to `maxBytes`.
    public init(maxBytes: Int, limitHint: String? = ConfigFileReader.configLimitHint) {
        self.maxBytes = maxBytes
        self.limitHint = limitHint
    }

    /// The file's bytes.
    /// - Throws: ``ConfigReadError`` naming the file and the reason.
    public func read(_ path: String) throws(ConfigReadError) -> [UInt8] {
        let fd: FileDescriptor
        do {
            // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
            fd = try FileDescriptor.open(
                FilePath(path), .readOnly, options: [.nonBlocking, .closeOnExec],
                retryOnInterrupt: true)
        } catch let error as Errno {
            throw openFailure(path, error)
        } catch {
            throw ConfigReadError(path: path, reason: "cannot be opened (\(error))")
        }
        defer { try? fd.close() }

        let info: Stat
        do { info = try fd.stat() } catch {
            throw ConfigReadError(path: path, reason: "cannot be examined (fstat: \(error))", errno: error.rawValue)
        }
        guard info.type == .regular else {
            throw ConfigReadError(path: path, reason: "is \(Self.describe(info.type)), not a regular file")
        }
        if info.size > Int64(maxBytes) { throw tooLarge(path, size: "\(info.size)") }

        // Read at most maxBytes+1: /proc files report size 0 and a file may grow meanwhile.
        // Straight into the result, sized from fstat with one byte spare to see the end.
        var bytes = [UInt8](repeating: 0, count: Int(min(max(info.size, 0), Int64(maxBytes))) + 1)
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count <= maxBytes else { break }
                bytes += repeatElement(0, count: min(max(bytes.count, 64 * 1024), maxBytes + 1 - bytes.count))
            }
            let n: Int
            do {
                n = try bytes.withUnsafeMutableBytes { buffer in
                    try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count...]), retryOnInterrupt: true)
                }
            } catch {
                throw ConfigReadError(
                    path: path, reason: "cannot be read (\(error))", errno: (error as? Errno)?.rawValue)
            }
            if n == 0 { break }
            count += n
        }
        if count > maxBytes { throw tooLarge(path, size: "more than \(maxBytes)") }
        bytes.removeLast(bytes.count - count)
        return bytes
    }

    private func tooLarge(_ path: String, size: String) -> ConfigReadError {
        // EFBIG marks the size refusal for callers that phrase it their own way.
        ConfigReadError(
            path: path,
            reason: "is \(size) bytes, over the \(maxBytes)-byte limit" + (limitHint.map { " (\($0))" } ?? ""),
            errno: EFBIG)
    }

    /// Turns a failed open into a reason an operator can act on.
    private func openFailure(_ path: String, _ error: Errno) -> ConfigReadError {
        let reason: String
        switch error {
        case .noSuchFileOrDirectory:
            if let link = try? FilePath(path).stat(followTargetSymlink: false), link.type == .symbolicLink {
                reason = "is a dangling symbolic link" + (Self.linkTarget(path).map { " (to '\($0)')" } ?? "")
            } else {
                reason = "does not exist"
            }
        case .tooManySymbolicLinkLevels:
            reason = "symbolic link loop (ELOOP)"
        case .permissionDenied, .notPermitted:
            reason = "permission denied (guestcap reads configurations as root)"
        case .notDirectory:
            reason = "cannot be reached: a component of the path is not a folder"
        case .noSuchAddressOrDevice:
            // ENXIO: a socket, or a device without its driver.
            if let st = try? FilePath(path).stat() {
                reason = "is \(Self.describe(st.type)), not a regular file"
            } else {
                reason = "cannot be opened (\(error))"
            }
        default:
            reason = "cannot be opened (\(error))"
        }
        return ConfigReadError(path: path, reason: reason, errno: error.rawValue)
    }

    static func describe(_ type: FileType) -> String {
        switch type {
        case .fifo: return "a FIFO"
        case .characterSpecial: return "a character device"
        case .blockSpecial: return "a block device"
        case .directory: return "a directory"
        case .socket: return "a socket"
        case .symbolicLink: return "a symbolic link"
        default: return "not a plain file"
        }
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
