import Foundation
import SystemPackage

/// Reads the policy and the pool members' snapshot files: regular files only, bounded in size,
/// failures as a short reason (`no such file`, `permission denied`, `is a directory`).
enum PolicyFileReader {
    /// The largest policy or snapshot file read; a snapshot of a 1024-CPU host is well under this.
    static let sizeLimit = 16 << 20

    /// What a path is, following symbolic links.
    enum Kind: Equatable {
        case regular, directory, other
        case missing(String)
    }

    /// The kind of a path (`stat`, so a symlink is judged by its target).
    static func kind(of path: String) -> Kind {
        do {
            switch try FilePath(path).stat().type {
            case .regular: return .regular
            case .directory: return .directory
            default: return .other
            }
        } catch {
            return .missing(reason(error.rawValue))
        }
    }

    /// The bytes of a regular file, or why they could not be read: ``ConfigFileReader`` (no
    /// blocking on a FIFO, the size checked on the open file), its refusals as short phrases.
    static func read(_ path: String) -> Result<[UInt8], ReadFailure> {
        switch kind(of: path) {
        case .missing(let why): return .failure(ReadFailure(reason: why))
        case .directory: return .failure(ReadFailure(reason: "is a directory"))
        case .other: return .failure(ReadFailure(reason: "is not a regular file"))
        case .regular: break
        }
        do {
            return .success(try ConfigFileReader(maxBytes: sizeLimit, limitHint: nil).read(path))
        } catch {
            switch error.errno {
            case EFBIG?: return .failure(ReadFailure(reason: "is larger than \(sizeLimit >> 20) MiB"))
            case let code?: return .failure(ReadFailure(reason: reason(code)))
            case nil: return .failure(ReadFailure(reason: "is not a regular file"))
            }
        }
    }

    /// Regular files directly in a directory (not descended into), sorted; dot files left out.
    static func files(in directory: String) -> Result<[String], ReadFailure> {
        do {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            return .success(names.filter { !$0.hasPrefix(".") }.sorted())
        } catch {
            if case .missing(let why) = kind(of: directory) { return .failure(ReadFailure(reason: why)) }
            return .failure(ReadFailure(reason: "cannot be listed"))
        }
    }

    private static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES, EPERM: "permission denied"
        case ENOTDIR: "a part of the path is not a directory"
        case ELOOP: "too many levels of symbolic links"
        default: String(cString: strerror(code)).lowercased()
        }
    }

    /// Why a file could not be read, as a short phrase.
    struct ReadFailure: Error {
        let reason: String
    }
}
