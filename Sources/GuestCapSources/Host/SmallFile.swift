import SystemPackage

/// Reads the small text files of /proc and /sys (a line or a few kilobytes each).
enum SmallFile {
    /// The file's text, or nil when it does not exist or cannot be read.
    static func read(_ path: String, limit: Int = 1 << 20) -> String? {
        guard
            let fd = try? FileDescriptor.open(
                FilePath(path), .readOnly, options: [.closeOnExec, .nonBlocking],
                retryOnInterrupt: true)
        else { return nil }
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while bytes.count < limit {
            let n = (try? chunk.withUnsafeMutableBytes { try fd.read(into: $0, retryOnInterrupt: true) }) ?? 0
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The file's first line without its newline.
    static func line(_ path: String) -> String? {
        read(path, limit: 64 * 1024).map { text in
            String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
        }
    }
}
