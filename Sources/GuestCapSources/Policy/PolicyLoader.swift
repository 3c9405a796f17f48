import Foundation
import GuestCapCore
import TOMLKit

/// Reads a policy file (policy-model §4), validates all of it and resolves its pools.
///
/// Validation is strict and complete: an unknown key, rule or bit name, a bad glob, a malformed
/// date, a missing or undecodable snapshot file, a duplicate pool name or a value of the wrong type
/// is a ``PolicyProblem`` naming the file, the line and the key, and every problem is reported at
/// once in one ``PolicyError``. A waiver that has already expired is not an error: it is kept, and
/// the engine treats its findings as open again.
public struct PolicyLoader: Sendable {
    /// The default location of the policy file.
    public static let defaultPath = "/etc/guestcap/policy.toml"

    /// Creates a loader.
    public init() {}

    /// Reads, validates and resolves a policy file (pool member files are read and decoded).
    /// Relative paths in the file are relative to the file's directory.
    /// - Throws: ``PolicyError`` with every problem found, or the reason the file cannot be read.
    public func load(path: String) throws(PolicyError) -> Policy {
        let bytes: [UInt8]
        switch PolicyFileReader.read(path) {
        case .success(let b): bytes = b
        case .failure(let f):
            throw PolicyError(file: path, message: "cannot read the policy: \(f.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw PolicyError(file: path, message: "the policy is not UTF-8 text")
        }
        return try load(text: text, bytes: bytes, path: path)
    }

    /// Validates and resolves policy text as if read from `path` (which names it in messages and
    /// anchors its relative paths); the hash is that of the text's UTF-8 bytes.
    /// - Throws: ``PolicyError`` with every problem found.
    public func load(text: String, path: String) throws(PolicyError) -> Policy {
        try load(text: text, bytes: Array(text.utf8), path: path)
    }

    private func load(text: String, bytes: [UInt8], path: String) throws(PolicyError) -> Policy {
        let root: TOMLTable
        // toml++ aborts the process on a few syntax errors instead of reporting them.
        if let problem = TOMLPrecheck.firstFatalProblem(in: text) {
            throw PolicyError(file: path, line: problem.line, message: problem.message)
        }
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw PolicyError(file: path, line: e.source.begin.line, message: "TOML syntax: \(e.description)")
        } catch {
            throw PolicyError(file: path, message: "TOML syntax: \(error)")
        }
        var validator = PolicyValidator(
            file: path, directory: Self.directory(of: path),
            map: PolicySourceMap(text: text))
        let policy = validator.policy(from: root, sha256: SHA256.hex(of: bytes))
        guard validator.problems.isEmpty, let policy else {
            throw PolicyError(file: path, problems: validator.problems)
        }
        return policy
    }

    /// The directory relative paths in a policy are read from.
    static func directory(of path: String) -> String {
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }
}
