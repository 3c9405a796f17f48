import GuestCapCore
import SystemPackage
import Glibc

/// Reads every host fact the justified set needs, only below a ``HostRoot``.
public struct HostProbe: Sendable {
    public let root: HostRoot

    /// A probe of the given host tree.
    public init(root: HostRoot = HostRoot()) { self.root = root }

    /// Reads the host now.
    public func snapshot() -> HostSnapshot {
        let (readings, probeError) = readMSRs()
        let cpu = SmallFile.read(root.resolve("proc/cpuinfo")).map(CPUInfoParser.parse) ?? CPUIdentity()
        return HostSnapshot(
            hostname: hostname(), machineID: machineID(), kernel: kernel(), cpu: cpu, msr: readings,
            msrProbeError: probeError, vulnerabilities: vulnerabilities(),
            vmentryL1dFlush: SmallFile.line(root.resolve("sys/module/kvm_intel/parameters/vmentry_l1d_flush"))?
                .trimmedWhitespace,
            kvmReported: root.isRealHost ? KVMFeatureMSR.read(index: ArchCapCatalog.msrIndex) : nil,
            kvmOffersArchCapabilities: root.isRealHost ? KVMFeatureMSR.offersArchCapabilitiesOnce : nil)
    }

    // MARK: - MSR

    /// CPUs from `sys/devices/system/cpu/online`, else the numbered folders of `dev/cpu/`.
    func cpus() -> [Int]? {
        if let online = SmallFile.line(root.resolve("sys/devices/system/cpu/online")), let list = CPUList.parse(online)
        {
            return list
        }
        let dir = root.resolve("dev/cpu")
        guard let entries = Directory.names(in: dir) else { return nil }
        let numbers = entries.compactMap { Int($0) }.sorted()
        return numbers.isEmpty ? nil : numbers
    }

    private func readMSRs() -> ([MSRReading], String?) {
        guard let cpus = cpus() else {
            return (
                [],
                "no CPU list: neither \(root.resolve("sys/devices/system/cpu/online")) nor the folders of "
                    + "\(root.resolve("dev/cpu"))/ exist, so MSR 0x10a cannot be read"
            )
        }
        return (
            cpus.map { cpu in
                let path = root.resolve("dev/cpu/\(cpu)/msr")
                let reading = MSRDevice(cpu: cpu, path: path).read(index: ArchCapCatalog.msrIndex)
                if reading.status == .moduleNotLoaded && !Directory.exists(root.resolve("dev/cpu/\(cpu)")) {
                    return MSRReading(
                        cpu: cpu, status: .moduleNotLoaded,
                        error:
                            "\(root.resolve("dev/cpu/\(cpu)"))/ does not exist: the msr kernel module is not loaded (modprobe msr)"
                    )
                }
                return reading
            }, nil
        )
    }

    // MARK: - Kernel verdicts

    private func vulnerabilities() -> [String: String] {
        let dir = root.resolve("sys/devices/system/cpu/vulnerabilities")
        var out: [String: String] = [:]
        for name in Directory.names(in: dir) ?? [] where !name.hasPrefix(".") {
            if let line = SmallFile.line(dir + "/" + name) { out[name] = line.trimmedWhitespace }
        }
        return out
    }

    // MARK: - Identity

    private func hostname() -> String {
        if let name = SmallFile.line(root.resolve("etc/hostname"))?.trimmedWhitespace, !name.isEmpty { return name }
        if root.isRealHost {
            var buf = [CChar](repeating: 0, count: 256)
            if gethostname(&buf, buf.count) == 0 {
                return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return "unknown"
    }

    private func machineID() -> String? {
        SmallFile.line(root.resolve("etc/machine-id"))?.trimmedWhitespace.nonEmpty
    }

    private func kernel() -> String? {
        if let r = SmallFile.line(root.resolve("proc/sys/kernel/osrelease"))?.trimmedWhitespace.nonEmpty { return r }
        if root.isRealHost {
            var u = utsname()
            if uname(&u) == 0 {
                return withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            }
        }
        return nil
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
