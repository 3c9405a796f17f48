import Foundation
import GuestCapTestSupport
import GuestCapCore
@testable import GuestCapStore

/// A temporary folder removed when the value is released.
final class TempDir: @unchecked Sendable {
    let path: String

    init() {
        var template = Array("/tmp/guestcap-store-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A database path inside the folder.
    var database: String { path + "/history.sqlite" }
}

/// A tmpfs mounted on a temporary folder (root only).
final class Tmpfs: @unchecked Sendable {
    let dir = TempDir()
    private(set) var mounted = false

    init?(size: String) {
        guard getuid() == 0,
            Shell.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(size),mode=0700", "tmpfs", dir.path]).status == 0
        else { return nil }
        mounted = true
    }

    func remount(readOnly: Bool) -> Bool {
        Shell.run("/bin/mount", ["-o", "remount,\(readOnly ? "ro" : "rw")", dir.path]).status == 0
    }

    deinit { if mounted { _ = Shell.run("/bin/umount", ["-l", dir.path]) } }

    /// Whether tmpfs can be mounted here (root, and mount allowed).
    static let available: Bool = Tmpfs(size: "64k") != nil
}

enum Shell {
    /// Runs a program and collects its output (exit 127 when it cannot be started).
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) -> (status: Int32, out: String, err: String) {
        do {
            let r = try Subprocess.run(program, arguments)
            return (r.status, r.stdout, r.stderr)
        } catch {
            return (127, "", "\(error)")
        }
    }

    /// The benchmark executable, which also has the helper modes these tests run as a child.
    static var bench: String? { PackageFiles.builtProgram("guestcap-store-bench") }
}

/// Builders for hosts, guests and audits.
enum Fixture {
    /// 2026-01-01T00:00:00Z.
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)

    static func at(hours: Double) -> Date { t0.addingTimeInterval(hours * 3600) }

    static func host(kernel: String = "6.1.0-18-amd64", msr: UInt64 = 0x0c0a_e0eb) -> HostSnapshot {
        HostSnapshot(
            hostname: "kvm-01", machineID: "0123456789abcdef0123456789abcdef", kernel: kernel,
            cpu: CPUIdentity(
                vendor: "GenuineIntel", family: 6, model: 106, stepping: 6, microcode: "0xd0003a5",
                flags: ["arch_capabilities", "rtm"]),
            msr: (0..<2).map { MSRReading(cpu: $0, status: .ok, value: msr) },
            vulnerabilities: ["mds": "Not affected"])
    }

    static func bits(_ names: String...) -> CapabilitySet { try! CapabilitySet(names: names) }

    /// A guest and the findings it has.
    struct GuestSpec {
        var name: String
        var uuid: String?
        var source: GuestSource = .libvirt
        var variant = "a"
        var g: CapabilitySet = Fixture.bits("mds-no")
        var findings: [(Rule, CapabilitySet, FindingState)] = []
        var unreadable: String?

        var path: String { "/etc/libvirt/qemu/\(name).xml" }
        var identity: GuestIdentity { GuestIdentity(source: source, uuid: uuid, path: path) }

        func verdict() -> GuestVerdict {
            let subject = identity.description
            let found = findings.map { rule, bits, state in
                Finding(
                    subject: subject, rule: rule, severity: rule.defaultSeverity, bits: bits,
                    message: "\(rule.rawValue) \(bits.names.joined(separator: ","))", state: state,
                    origins: [ConfigOrigin("<feature policy='force' name='mds-no'/>", line: 12)])
            }
            if let unreadable {
                return GuestVerdict(
                    identity: identity, source: source, path: path, name: name, uuid: uuid,
                    status: .unreadable, error: unreadable, findings: found)
            }
            let config = GuestConfig(
                source: source, path: path, name: name, uuid: uuid,
                cpu: GuestCPUConfig(
                    base: .kvmDefault(label: "host-model"),
                    baseOrigin: ConfigOrigin("<cpu mode='host-model'/>", line: 10)),
                contentHash: SHA256.hex(of: "\(name) \(variant)"))
            let provenance = Dictionary(
                uniqueKeysWithValues: g.bitNumbers.map {
                    ($0, ConfigOrigin("<feature policy='force' name='\(ArchCapCatalog.bit($0).name)'/>", line: 12))
                })
            return GuestVerdict(
                identity: identity, source: source, path: path, name: name, uuid: uuid,
                status: GuestStatus.of(found),
                advertised: AdvertisedValue(
                    value: g, visible: true,
                    provenance: provenance),
                findings: found, config: config)
        }
    }

    /// Audits `guests` the way the daemon does: diff with the active findings, commit in one go.
    @discardableResult
    static func audit(
        _ store: HistoryStore, _ guests: [GuestSpec], host: Int64, at: Date, gone: [GuestSpec] = [],
        note: String? = nil, run: Int64? = nil
    ) throws -> [TransitionRecord] {
        let assessment = HostAssessment(snapshot: Fixture.host())
        let verdicts = guests.map { $0.verdict() }
        let records = verdicts.flatMap { FindingRecord.records(for: $0, host: assessment) }
        let drafts = AuditDiff.transitions(previous: try store.activeFindings(), current: records)
        return try store.commit(
            AuditCommit(
                at: at, hostSnapshotID: host, verdicts: verdicts,
                gone: gone.map(\.identity), transitions: drafts, hostTransition: note,
                runID: run))
    }

    /// Rows per table.
    static func counts(_ store: HistoryStore) throws -> [String: Int] { try store.statistics().rows }
}
