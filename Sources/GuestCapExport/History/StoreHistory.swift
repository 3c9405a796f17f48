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
            let advertised = version.flatMap { v in
                v.advertised.map {
                    GuestDocument.Advertised(value: $0.hex, bits: $0.names, visible: v.visible ?? false,
                                             provenance: v.provenance)
                }
            }
            return HistoryGuest(subject: g.identity.description, source: g.source, path: g.path, name: g.name,
                                uuid: g.uuid, firstSeen: g.firstSeen, lastSeen: g.goneAt, advertised: advertised,
                                error: g.error, worstStatus: g.worstStatus)
        }
    }

    /// The store gives each episode's open, last-waived, last-expired and resolve times and its
    /// transitions inside the period; together they are the lifecycle the report needs.
    func findings(in period: ExportPeriod) throws -> [HistoryFinding] {
        try store.findingLifecycles(from: period.from, to: period.to).map { l in
            var list: [HistoryFinding.Transition] = [.init(l.waivedAt == l.openedAt ? .waived : .opened, at: l.openedAt)]
            if let w = l.waivedAt, w != l.openedAt { list.append(.init(.waived, at: w)) }
            if let e = l.waiverExpiredAt { list.append(.init(.waiverExpired, at: e)) }
            list += l.transitions.map { .init($0.kind, at: $0.at) }
            if let r = l.resolvedAt { list.append(.init(.resolved, at: r)) }
            var seen = Set<String>()
            list = list.filter { seen.insert("\($0.kind.rawValue)@\($0.at.timeIntervalSince1970)").inserted }
            return HistoryFinding(record: l.record, transitions: list)
        }
    }

    func lastAudit() throws -> Date? { try store.status().lastAudit }
}
