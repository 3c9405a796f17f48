import Foundation
import GuestCapCore

/// A temporary host-root tree (contracts/host-root.md) for probe tests, removed on deinit.
final class HostTree {
    let root: String

    init() {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("guestcap-host-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Writes a text file below the root.
    func write(_ relative: String, _ text: String) {
        let path = root + "/" + relative
        try! FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        try! text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    /// A sparse stand-in MSR device: 8 little-endian bytes at 0x10a, or a file too short to hold them.
    func msr(cpu: Int, _ value: UInt64?) {
        let dir = root + "/dev/cpu/\(cpu)"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/msr"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = FileHandle(forWritingAtPath: path)!
        try! handle.truncate(atOffset: 0x10a)
        if let value {
            try! handle.seek(toOffset: 0x10a)
            handle.write(Data((0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }))
        }
        try! handle.close()
    }

    /// `dev/cpu/N/` without an msr node, as when the module is not loaded.
    func cpuFolderWithoutMSR(_ cpu: Int) {
        try! FileManager.default.createDirectory(atPath: root + "/dev/cpu/\(cpu)", withIntermediateDirectories: true)
    }

    func verdict(_ file: String, _ text: String) {
        write("sys/devices/system/cpu/vulnerabilities/\(file)", text + "\n")
    }

    func cpuinfo(vendor: String = "GenuineIntel", flags: [String] = ["fpu", "rtm", "arch_capabilities"], cpus: Int = 1)
    {
        let block = (0..<cpus).map { n in
            "processor\t: \(n)\nvendor_id\t: \(vendor)\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Test CPU\n"
                + "stepping\t: 7\nmicrocode\t: 0x5003707\nflags\t\t: \(flags.joined(separator: " "))\n"
        }
        write("proc/cpuinfo", block.joined(separator: "\n"))
    }
}
