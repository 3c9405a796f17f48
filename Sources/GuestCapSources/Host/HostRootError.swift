/// Why a folder cannot be read as a host: it lacks the files every host has.
public struct HostRootError: Error, Equatable, CustomStringConvertible {
    /// The host root.
    public let root: String
    /// What is missing below it, as absolute paths.
    public let missing: [String]

    public var description: String {
        if root == "/" {
            return "this host has no \(missing.joined(separator: " and ")): guestcap cannot read the host "
                + "without them (are /proc and /sys mounted?)"
        }
        if missing == [root] {
            return "the host root \(root) does not exist (is --host-root mistyped?)"
        }
        return "the host root \(root) holds none of the host files (\(missing.joined(separator: ", "))); "
            + "is --host-root mistyped? See contracts/host-root.md for the layout"
    }
}
