import SystemPackage

/// Reads the small text files of /proc and /sys (a line or a few kilobytes each), through the
/// one bounded reader: a FIFO or a device planted in a host root is refused, not waited on.
enum SmallFile {
    /// The file's text, or nil when it does not exist, cannot be read or is over `limit`.
    static func read(_ path: String, limit: Int = 16 << 20) -> String? {
        guard let bytes = try? ConfigFileReader(maxBytes: limit, limitHint: nil).read(path) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The file's first line without its newline.
    static func line(_ path: String) -> String? {
        read(path, limit: 64 * 1024).map { text in
            String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        }
    }
}
