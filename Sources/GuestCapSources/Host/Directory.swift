import Glibc
import SystemPackage

/// Directory listing without following the entries, for /sys, /dev and /proc trees.
enum Directory {
    /// Entry names (without `.` and `..`), or nil when the folder cannot be opened.
    static func names(in path: String) -> [String]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Entry names (without `.` and `..`) with their `d_type` (`DT_REG`, `DT_DIR`, …;
    /// `DT_UNKNOWN` when the file system does not say), unsorted; nil when the folder cannot
    /// be opened.
    static func entries(in path: String) -> [(name: String, type: UInt8)]? {
        guard let dir = opendir(path) else { return nil }
        defer { closedir(dir) }
        var entries: [(name: String, type: UInt8)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { entries.append((name, entry.pointee.d_type)) }
        }
        return entries
    }

    /// Whether a folder exists at the path.
    static func exists(_ path: String) -> Bool {
        (try? FilePath(path).stat())?.type == .directory
    }
}
