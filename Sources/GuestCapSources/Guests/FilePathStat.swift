import SystemPackage

/// `stat(2)` on a path, following symbolic links: the file type only.
enum FilePathStat {
    /// The type of what the path leads to.
    /// - Throws: `Errno` when it leads nowhere.
    static func stat(_ path: String) throws(Errno) -> FileType {
        try FilePath(path).stat().type
    }
}
