import GuestCapCore

/// One watched directory and what kind of configurations it holds.
public struct WatchedSource: Sendable, Hashable, CustomStringConvertible {
    /// What the files are.
    public var kind: GuestSource
    /// The directory, used as given (not re-rooted by `--host-root`).
    public var directory: String

    /// Creates a source.
    public init(kind: GuestSource, directory: String) {
        self.kind = kind
        self.directory = directory
    }

    /// Parses `KIND=DIR` (the `--watch` flag); kinds `libvirt`, `libvirt-live`, `qemu`, `firecracker`.
    public init?(argument: String) {
        guard let eq = argument.firstIndex(of: "="), let kind = GuestSource(rawValue: String(argument[..<eq])) else {
            return nil
        }
        let dir = String(argument[argument.index(after: eq)...])
        guard !dir.isEmpty else { return nil }
        self.init(kind: kind, directory: dir)
    }

    public var description: String { "\(kind.rawValue)=\(directory)" }

    /// A stock libvirt host: persistent definitions and live status.
    public static let libvirtDefaults = [
        WatchedSource(kind: .libvirt, directory: "/etc/libvirt/qemu"),
        WatchedSource(kind: .libvirtLive, directory: "/run/libvirt/qemu"),
    ]
}
