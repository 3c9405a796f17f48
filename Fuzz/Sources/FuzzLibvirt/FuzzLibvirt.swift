import FuzzSupport
import GuestCapSources

/// libvirt domain and domstatus XML: the hostile-safe XML parser under its default and under
/// tight limits (so every limit check is reached), then the libvirt parser on top of it.
enum FuzzLibvirt {
    static let tight = XMLLimits(maxBytes: 1 << 16, maxDepth: 6, maxAttributesPerElement: 4, maxElements: 48)

    static func run(_ bytes: [UInt8]) {
        _ = try? XMLDocumentParser.parse(bytes, limits: tight)
        _ = try? LibvirtDomainParser.parse(
            bytes, path: "/etc/libvirt/qemu/fuzz.xml",
            sourceHint: bytes.count % 2 == 0 ? nil : .libvirtLive)
    }
}

#if GUESTCAP_LIBFUZZER
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzLibvirt.run(fuzzBytes(data, size))
    return 0
}
#else
@main
struct FuzzLibvirtReplay {
    static func main() { Replay.main(FuzzLibvirt.run) }
}
#endif
