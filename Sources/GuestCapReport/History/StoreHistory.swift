import Foundation
import GuestCapCore
import GuestCapStore

/// Opens the history database read-only for an export (safe while the daemon writes it).
/// - Throws: ``ExportError/historyUnavailable(path:reason:)`` with the store's sentence.
public func openHistory(_ path: String) throws(ExportError) -> any ExportHistory {
    do {
        return StoreHistory(store: try HistoryStore(path: path, readOnly: true))
    } catch {
        throw .historyUnavailable(path: path, reason: error.description)
    }
}

/// The history store as an ``ExportHistory``.
struct StoreHistory: ExportHistory {
    let store: HistoryStore

    func hostStates(in period: ExportPeriod) throws -> [HostSnapshot] {
        try store.hostSnapshots(from: period.from, to: period.to).map(\.snapshot)
    }

    func guests(in period: ExportPeriod) throws -> [HistoryGuest] {
        try store.guestsSeen(from: period.from, to: period.to).map { g in
            let version = g.configVersions.last
            let advertised = version.flatMap(Self.advertised)
            return HistoryGuest(
                subject: g.identity.description, source: g.source, path: g.path, name: g.name,
                uuid: g.uuid, firstSeen: g.firstSeen, lastSeen: g.goneAt, advertised: advertised,
                error: g.error, worstStatus: g.worstStatus)
        }
    }

    /// G of a stored version, with R, what was dropped and the VMM when they were recorded
    /// (versions stored before R was recorded have G only).
    static func advertised(_ v: StoredConfigVersion) -> GuestDocument.Advertised? {
        guard let told = v.advertised else { return nil }
        let requested = v.requested.map {
            GuestDocument.Requested(
                value: $0.hex, bits: $0.names, visible: v.requestedVisible ?? false,
                provenance: v.requestedProvenance ?? [:])
        }
        return GuestDocument.Advertised(
            value: told.hex, bits: told.names, visible: v.visible ?? false,
            provenance: v.provenance, requested: requested, dropped: v.dropped?.names,
            vmm: v.vmm?.rawValue)
    }

    /// The store gives each episode's open time, the last transition before the period and the
    /// transitions inside it: enough for every state the finding had during the period. (The
    /// episode's last-waived and last-expired times are not used: after several waivers they
    /// may lie after the period and hide the state it was in then.)
    func findings(in period: ExportPeriod) throws -> [HistoryFinding] {
        try store.findingEpisodes(from: period.from, to: period.to).map { l in
            var list: [HistoryFinding.Transition] = ((l.before.map { [$0] } ?? []) + l.transitions).map {
                .init($0.kind, at: $0.at)
            }
            if (list.first?.at).map({ $0 > l.openedAt }) ?? true {
                // For the opening time (first_seen); the state it gives lies before the period.
                list.insert(.init(.opened, at: l.openedAt), at: 0)
            }
            return HistoryFinding(record: l.record, transitions: list)
        }
    }

    func lastAudit() throws -> Date? { try store.status().lastAudit }
}
