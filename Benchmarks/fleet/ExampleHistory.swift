import Foundation
import GuestCapCore
import GuestCapStore

/// Writes a history database for one example host, as the daemon would have written it over a
/// day: the first audit before the period, a guest fixed, a guest added with a violation, a
/// microcode update, a guest removed. `guestcap export --database` reads it like a real one.
extension ExampleFleet {
    func writeHistory(path: String, guests count: Int) throws {
        let store = try HistoryStore(path: path)
        let kind = kinds[0]
        var snapshot = kind.snapshot
        snapshot.hostname = "clx-00000"
        snapshot.machineID = String(format: "%08x%024x", 0x6c3e_0000, 0)
        let at = { (hours: Double) in period.from.addingTimeInterval(hours * 3600) }
        let run = try store.beginRun(pid: 4242, version: "example", at: at(-30))

        var configs: [GuestConfig] = (0..<count).map { g in
            let suffix = g % 50 == 0 ? "-w" : (g % 17 == 0 ? "-l" : "")
            let t = Self.templates[suffix == "-w" ? 2 : (g * 7 + g / 13) % Self.templates.count]
            return config(name: String(format: "vm-%07d%@", g, suffix), template: t, g: g)
        }
        var previous: [FindingRecord] = []
        var hostID = try store.recordHost(snapshot, at: at(-30)).id
        func audit(_ hours: Double, gone: [GuestIdentity] = []) throws {
            let host = engine.assess(snapshot)
            let verdicts = configs.map {
                engine.evaluate(
                    $0, identity: GuestIdentity(source: $0.source, uuid: $0.uuid, path: $0.path), current: host)
            }
            let current =
                verdicts.flatMap { FindingRecord.records(for: $0, host: host) }
                + FindingRecord.records(hostFindings: engine.hostFindings(host), host: host)
            let transitions = AuditDiff.transitions(previous: previous, current: current)
            _ = try store.commit(
                AuditCommit(
                    at: at(hours), hostSnapshotID: hostID, verdicts: verdicts, gone: gone,
                    transitions: transitions, runID: run))
            previous = current
        }
        try audit(-24)
        // 09:30 the operator fixes the guest told taa-no: a new configuration without the feature.
        if let i = configs.firstIndex(where: { $0.cpu.operations.count == 2 && !($0.name ?? "").hasSuffix("-w") }) {
            configs[i].cpu.operations.removeLast()
            configs[i].contentHash = "fixed"
            try audit(9.5)
        }
        // 14:00 a new guest starts, told fb-clear by its QEMU command line.
        configs.append(config(name: "vm-new-live", template: Self.templates[3], g: count))
        try audit(14)
        // 18:00 a microcode update: a new host state.
        snapshot.cpu.microcode = "0x5003901"
        hostID = try store.recordHost(snapshot, at: at(18)).id
        try audit(18)
        // 21:00 a guest is removed.
        let removed = configs.removeLast()
        try audit(21, gone: [GuestIdentity(source: removed.source, uuid: removed.uuid, path: removed.path)])
        try audit(23.9)
    }

    private func config(name: String, template t: Template, g: Int) -> GuestConfig {
        let path = t.path(for: name)
        let uuid = t.source == .firecracker ? nil : String(format: "6e0c0000-0000-4000-8000-%012x", g)
        return GuestConfig(source: t.source, path: path, name: name, uuid: uuid, cpu: t.cpu, contentHash: "v1-\(g)")
    }
}
