import FuzzSupport
import GuestCapSources

/// Firecracker VM configurations and custom CPU templates. An input is a JSON document,
/// optionally followed by a NUL and the bytes of the template file its `"cpu-config"` names
/// (any name reads those bytes; without a NUL the file cannot be read). No disk is touched.
enum FuzzFirecracker {
    struct NoSuchFile: Error {}

    static func run(_ bytes: [UInt8]) {
        let (document, template) = splitAtFirstNUL(bytes)
        _ = try? FirecrackerConfigParser.parse(document, path: "/srv/firecracker/fuzz.json") { _ in
            guard let template else { throw NoSuchFile() }
            return template
        }
    }
}

#if GUESTCAP_LIBFUZZER
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzFirecracker.run(fuzzBytes(data, size))
    return 0
}
#else
@main
struct FuzzFirecrackerReplay {
    static func main() { Replay.main(FuzzFirecracker.run) }
}
#endif
