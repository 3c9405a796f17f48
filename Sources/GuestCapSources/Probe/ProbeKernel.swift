import Foundation

/// Where the probe kernel is installed, and where a build puts it.
public enum ProbeKernel {
    /// The file name, as `make probe-kernel` and the package install it.
    public static let fileName = "guestcap-probe.elf"

    /// The first readable candidate: beside the binary's `../lib/guestcap` (an install under any
    /// prefix), the build folder's `guestcap-gen` (a checkout), then /usr and /usr/local.
    public static func locate(executable: String) -> String? {
        // SwiftPM's .build/debug is a link; the folder as called and as resolved both count.
        let called = URL(fileURLWithPath: executable)
        var candidates: [String] = []
        for binDir in [
            called.deletingLastPathComponent(), called.resolvingSymlinksInPath().deletingLastPathComponent(),
        ] {
            candidates.append(binDir.appendingPathComponent("../lib/guestcap/\(fileName)").standardized.path)
            candidates.append(binDir.appendingPathComponent("../guestcap-gen/\(fileName)").standardized.path)
        }
        candidates += ["/usr/lib/guestcap/\(fileName)", "/usr/local/lib/guestcap/\(fileName)"]
        return candidates.first { FileManager.default.isReadableFile(atPath: $0) }
    }
}
