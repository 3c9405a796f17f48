/// Where a guest configuration came from.
public enum GuestSource: String, Sendable, Codable, CaseIterable, Comparable {
    /// libvirt persistent domain XML (`/etc/libvirt/qemu/NAME.xml`).
    case libvirt
    /// libvirt live status XML (`/run/libvirt/qemu/NAME.xml`, root `<domstatus>`).
    case libvirtLive = "libvirt-live"
    /// A QEMU command line (`.args` file or `/proc/PID/cmdline`).
    case qemu
    /// A Firecracker VM config or custom CPU template.
    case firecracker

    /// Whether the configuration describes a guest that is running now.
    public var isLive: Bool { self == .libvirtLive }

    public static func < (lhs: GuestSource, rhs: GuestSource) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
