#if canImport(Glibc)
import Glibc
#endif

/// Runs a fuzz body over files named on the command line, for reproducing a crash artifact
/// with a build that has no libFuzzer (`swift run -c release --package-path Fuzz fuzz-xxx FILE…`).
public enum Replay {
    /// Feeds every file in `CommandLine.arguments` to `body`, one at a time.
    public static func main(_ body: ([UInt8]) -> Void) {
        let files = CommandLine.arguments.dropFirst()
        guard !files.isEmpty else {
            complain("usage: \(CommandLine.arguments[0]) FILE...  (replays inputs; build with scripts/fuzz.sh to fuzz)")
            exit(2)
        }
        for file in files {
            guard let bytes = readAll(file) else {
                complain("\(file): cannot be read")
                exit(2)
            }
            body(bytes)
            print("\(file): \(bytes.count) bytes, no crash")
        }
    }

    private static func complain(_ message: String) {
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    private static func readAll(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
            if n == 0 { break }
            out += chunk[..<n]
        }
        return ferror(f) == 0 ? out : nil
    }
}

/// Turns libFuzzer's raw buffer into bytes (a zero-length input may come with a nil pointer).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Splits an input at its first NUL: the main document and an attached file (nil without a NUL).
public func splitAtFirstNUL(_ bytes: [UInt8]) -> (main: [UInt8], attached: [UInt8]?) {
    guard let nul = bytes.firstIndex(of: 0) else { return (bytes, nil) }
    return (Array(bytes[..<nul]), Array(bytes[(nul + 1)...]))
}
