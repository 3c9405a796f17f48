import FuzzSupport
import GuestCapSources

/// QEMU command lines: every input both as an `.args` file (shell words, `-cpu` options) and
/// as a NUL-separated `/proc/PID/cmdline`.
enum FuzzQEMU {
    static func run(_ bytes: [UInt8]) {
        _ = try? QEMUCommandLineParser.parseArgs(bytes, path: "/run/libvirt/qemu/fuzz.args")
        _ = try? QEMUCommandLineParser.parseCmdline(bytes, path: "/proc/4242/cmdline", pid: 4242)
    }
}

#if GUESTCAP_LIBFUZZER
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzQEMU.run(fuzzBytes(data, size))
    return 0
}
#else
@main
struct FuzzQEMUReplay {
    static func main() { Replay.main(FuzzQEMU.run) }
}
#endif
