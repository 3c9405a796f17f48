#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import GuestCapSources

/// The policy TOML (TOMLKit/toml++, then guestcap's validator and source map). An input is the
/// policy text, optionally followed by a NUL and a pool member snapshot written to
/// `fuzz-member.json` beside the policy, so snapshot decoding is fuzzed too. The policy sits
/// in `$GUESTCAP_FUZZ_POLICY_DIR` (scripts/fuzz.sh puts the fixture snapshots there) or in a
/// fresh temporary folder.
enum FuzzPolicy {
    static let directory: String = {
        if let dir = getenv("GUESTCAP_FUZZ_POLICY_DIR") { return String(cString: dir) }
        var template = Array("/tmp/guestcap-fuzz-policy.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp failed") }
        return String(cString: made)
    }()
    static let memberPath = directory + "/fuzz-member.json"

    static func run(_ bytes: [UInt8]) {
        let (policy, member) = splitAtFirstNUL(bytes)
        if let member { write(member, to: memberPath) } else { unlink(memberPath) }
        guard let text = String(validating: policy, as: UTF8.self) else { return }
        _ = try? PolicyLoader().load(text: text, path: directory + "/policy.toml")
    }

    private static func write(_ bytes: [UInt8], to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { fatalError("cannot write \(path)") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { fatalError("cannot write \(path)") }
            offset += n
        }
    }
}

#if GUESTCAP_LIBFUZZER
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzPolicy.run(fuzzBytes(data, size))
    return 0
}
#else
@main
struct FuzzPolicyReplay {
    static func main() { Replay.main(FuzzPolicy.run) }
}
#endif
