import Foundation

/// One guest's configuration as parsed from a file or process, before it meets a host.
public struct GuestConfig: Sendable, Hashable {
    public var source: GuestSource
    /// The file (or `/proc/PID/cmdline`) it was read from.
    public var path: String
    /// The guest's name, when the configuration names it.
    public var name: String?
    /// The guest's UUID (lower case), when the configuration has one.
    public var uuid: String?
    /// What it says about the CPU.
    public var cpu: GuestCPUConfig
    /// The QEMU process id of a running guest (libvirt live `pid`, a scanned process).
    public var pid: Int?
    /// The accelerator of a QEMU guest (libvirt `<domain type>`, `-accel`); nil for Firecracker.
    public var accelerator: Accelerator?
    /// SHA-256 of the bytes it was parsed from (lower-case hex), to tell configuration versions
    /// apart; empty when it was not computed (`guestcap check` skips it: only the history
    /// store needs it).
    public var contentHash: String

    /// Creates a configuration.
    public init(
        source: GuestSource, path: String, name: String? = nil, uuid: String? = nil,
        cpu: GuestCPUConfig, pid: Int? = nil, accelerator: Accelerator? = nil, contentHash: String = ""
    ) {
        self.source = source
        self.path = path
        self.name = name
        self.uuid = uuid?.lowercased()
        self.cpu = cpu
        self.pid = pid
        self.accelerator = accelerator ?? (source == .firecracker ? nil : .kvm)
        self.contentHash = contentHash
    }

    /// Which program decides what the guest is told.
    public var vmm: GuestVMM {
        switch source {
        case .firecracker: return .firecracker
        case .libvirtLive: return .libvirtLive
        case .qemu where pid != nil: return .qemuProcess
        case .libvirt, .qemu: return accelerator == .tcg ? .qemuTCG : .qemuKVM
        }
    }
}
