import Foundation
import GuestCapCore
import GuestCapStore

/// Modes the store's tests run as a separate process.
enum Helpers {
    /// Commits batches of `batch` new guests with one opened finding each until killed.
    static func writer(path: String, batch: Int) -> Never {
        do throws(StoreError) {
            let store = try HistoryStore(path: path)
            let host = try store.recordHost(HostSnapshot(hostname: "crash-test"), at: Date(timeIntervalSince1970: 0)).id
            var i = 0
            while true {
                i += 1
                let at = Date(timeIntervalSince1970: Double(i))
                var verdicts: [GuestVerdict] = []
                var drafts: [TransitionDraft] = []
                for j in 0..<batch {
                    let path = "/etc/libvirt/qemu/g\(i)-\(j).xml"
                    let identity = GuestIdentity(source: .libvirt, uuid: nil, path: path)
                    let finding = Finding(
                        subject: identity.description, rule: .reservedBits, severity: .warning,
                        bits: CapabilitySet(rawValue: 1 << 40), message: "reserved bit 40")
                    verdicts.append(
                        GuestVerdict(
                            identity: identity, source: .libvirt, path: path, name: "g\(i)-\(j)",
                            uuid: nil, status: .compliant,
                            advertised: AdvertisedValue(
                                value: CapabilitySet(rawValue: 1 << 40),
                                visible: true),
                            findings: [finding]))
                    drafts.append(
                        TransitionDraft(
                            kind: .opened,
                            finding: FindingRecord(
                                findingID: finding.id, subject: identity.description, rule: .reservedBits,
                                severity: .warning,
                                bits: finding.bits, state: .open, message: finding.message, guestName: "g\(i)-\(j)",
                                source: .libvirt, configPath: path)))
                }
                _ = try store.commit(AuditCommit(at: at, hostSnapshotID: host, verdicts: verdicts, transitions: drafts))
                FileHandle.standardOutput.write(Data("committed \(i)\n".utf8))
            }
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(1)
        }
    }

    /// Opens the database read-only and reads its status; exit 3 on permission, 4 read-only, 1 otherwise.
    static func probe(path: String) -> Never {
        do throws(StoreError) {
            let store = try HistoryStore(path: path, readOnly: true)
            let status = try store.status()
            print("ok \(status.counts.guests) guests")
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            exit(error.isPermission ? 3 : error.isReadOnly ? 4 : 1)
        }
    }
}
