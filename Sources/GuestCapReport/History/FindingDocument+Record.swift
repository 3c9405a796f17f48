import Foundation
import GuestCapCore
import GuestCapStore

extension FindingDocument {
    /// A stored active finding, for `status` and `history`.
    public init(record r: FindingRecord, openedAt: Date?, resolvedAt: Date? = nil) {
        self.init(
            id: r.findingID, rule: r.rule.rawValue, severity: r.severity, bits: r.bits.names, pool: r.pool,
            poolHost: r.poolHost, direction: r.direction, message: r.message, state: r.state, firstSeen: openedAt,
            lastSeen: nil,
            resolvedAt: resolvedAt,
            waiver: r.waiverReason.map {
                WaiverDoc(reason: $0, expires: r.waiverExpires ?? "", active: r.state == .waived, bits: nil)
            },
            origins: r.origins.isEmpty ? nil : r.origins.map(\.description))
    }
}
