import Foundation
import GuestCapCore
import TOMLKit

extension PolicyValidator {
    static let poolKeys = ["name", "members", "guests"]

    /// `[[pools]]`: each a name, member snapshot files and the guests that may move between them.
    mutating func pools(_ value: (any TOMLValueConvertible)?, at path: PolicyKeyPath) -> [MigrationPool] {
        var out: [MigrationPool] = []
        var seen: [String: Int] = [:]  // name → line of its first definition
        for (index, table) in tables(value, at: path, header: "[[pools]]") {
            let poolPath = path.appending(index: index)
            checkKeys(table, allowed: Self.poolKeys, at: poolPath)
            let name = requiredString(table, "name", at: poolPath, what: "every pool needs a name for its findings")
            if let name {
                let line = map.line(of: poolPath.appending("name"))
                if let first = seen[name] {
                    report(
                        poolPath.appending("name"),
                        "pool '\(name)' is already defined at line \(first); pool names must be unique")
                } else {
                    seen[name] = line
                }
            }
            let guests = selector(table, at: poolPath, required: false)
            let members = self.members(table, at: poolPath)
            if let name, let guests, let members {
                out.append(MigrationPool(name: name, members: members, guests: guests))
            }
        }
        return out
    }

    /// Resolves `members` (files, directories of `*.json`, or globs in the file name) and decodes each.
    private mutating func members(_ table: TOMLTable, at poolPath: PolicyKeyPath) -> [MigrationPool.Member]? {
        guard table.contains(key: "members") else {
            report(
                poolPath, "missing 'members': the host snapshot files of the pool (from 'guestcap host --format json')")
            return nil
        }
        guard let entries = strings(table, "members", at: poolPath) else { return nil }
        let key = poolPath.appending("members")
        guard !entries.isEmpty else {
            report(key, "the pool is empty: list at least one host snapshot file or directory")
            return nil
        }
        var files: [(path: String, entry: String)] = []
        var ok = true
        for entry in entries {
            switch expand(entry) {
            case .success(let paths):
                for p in paths where !files.contains(where: { $0.path == p }) { files.append((p, entry)) }
            case .failure(let f):
                report(key, element: entry, "'\(entry)': \(f.reason)")
                ok = false
            }
        }
        var loaded: [(path: String, snapshot: HostSnapshot)] = []
        for (file, entry) in files {
            switch SnapshotFile.readMember(file) {
            case .success(let snapshot): loaded.append((file, snapshot))
            case .failure(let f):
                report(
                    key, element: entry, file == absolute(entry) ? "'\(entry)': \(f.reason)" : "'\(file)': \(f.reason)")
                ok = false
            }
        }
        guard ok else { return nil }
        return Self.named(loaded)
    }

    /// Names members by hostname; when two share one, by file name; when those collide too, by path.
    static func named(_ loaded: [(path: String, snapshot: HostSnapshot)]) -> [MigrationPool.Member] {
        var byHost: [String: Int] = [:]
        var byFile: [String: Int] = [:]
        for m in loaded {
            byHost[m.snapshot.hostname, default: 0] += 1
            byFile[(m.path as NSString).lastPathComponent, default: 0] += 1
        }
        return loaded.map { m in
            let fileName = (m.path as NSString).lastPathComponent
            let name =
                byHost[m.snapshot.hostname] == 1
                ? m.snapshot.hostname
                : byFile[fileName] == 1 ? fileName : m.path
            return MigrationPool.Member(name: name, path: m.path, snapshot: m.snapshot)
        }
    }

    /// The files one entry stands for.
    private func expand(_ entry: String) -> Result<[String], PolicyFileReader.ReadFailure> {
        let path = absolute(entry)
        let name = (path as NSString).lastPathComponent
        let dir = (path as NSString).deletingLastPathComponent
        if Self.hasGlob(path) {
            guard !Self.hasGlob(dir) else {
                return .failure(.init(reason: "only the file name may contain * ? [ ], not the directories"))
            }
            let glob: Glob
            do { glob = try Glob(name) } catch { return .failure(.init(reason: error.description)) }
            switch PolicyFileReader.files(in: dir) {
            case .failure(let f): return .failure(.init(reason: "directory '\(dir)': \(f.reason)"))
            case .success(let names):
                let matches = names.filter(glob.matches).map { dir + "/" + $0 }
                    .filter { PolicyFileReader.kind(of: $0) == .regular }
                return matches.isEmpty ? .failure(.init(reason: "matches no file")) : .success(matches)
            }
        }
        switch PolicyFileReader.kind(of: path) {
        case .missing(let why): return .failure(.init(reason: why))
        case .other: return .failure(.init(reason: "is not a regular file"))
        case .regular: return .success([path])
        case .directory:
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            switch PolicyFileReader.files(in: base) {
            case .failure(let f): return .failure(f)
            case .success(let names):
                let matches = names.filter { $0.hasSuffix(".json") }.map { base + "/" + $0 }
                    .filter { PolicyFileReader.kind(of: $0) == .regular }
                return matches.isEmpty
                    ? .failure(.init(reason: "the directory holds no *.json snapshot file")) : .success(matches)
            }
        }
    }

    /// An absolute path: relative entries are relative to the policy file's directory.
    func absolute(_ entry: String) -> String {
        let path = entry.hasPrefix("/") ? entry : directory + "/" + entry
        let standard = (path as NSString).standardizingPath
        return path.hasSuffix("/") && !standard.hasSuffix("/") ? standard + "/" : standard
    }

    static func hasGlob(_ path: String) -> Bool {
        path.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }
}
