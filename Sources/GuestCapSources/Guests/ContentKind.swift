/// What a configuration file looks like from its first bytes; decides which parser reads it.
enum ContentKind: Sendable, Equatable {
    /// Nothing but whitespace.
    case empty
    /// Starts with `<`: libvirt XML.
    case xml
    /// Starts with `{` or `[`: Firecracker JSON.
    case json
    /// Holds NUL bytes: a saved `/proc/PID/cmdline`.
    case cmdline
    /// Anything else: a shell command line (`.args`).
    case commandLine

    /// Classifies bytes.
    init(_ bytes: [UInt8]) {
        switch ConfigText.firstSignificantByte(bytes) {
        case nil: self = .empty
        case UInt8(ascii: "<"): self = .xml
        case UInt8(ascii: "{"), UInt8(ascii: "["): self = .json
        default: self = bytes.contains(0) ? .cmdline : .commandLine
        }
    }
}
