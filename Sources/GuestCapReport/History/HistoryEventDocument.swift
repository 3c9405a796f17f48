import Foundation
import GuestCapCore
import GuestCapStore

/// One event of `guestcap history --format json`.
public struct HistoryEventDocument: Encodable, Sendable {
    public let at: Date
    public let event: String
    public let id: String
    public let finding: FindingDocument?
    public let guest: String?
    public let source: String?
    public let path: String?
    public let changes: [String]?

    public init(_ e: HistoryEvent) {
        at = e.at
        event = e.kind.rawValue
        id = e.id
        finding = e.finding.map { FindingDocument(record: $0, openedAt: nil) }
        guest = e.finding?.guestName
        source = e.finding?.source?.rawValue
        path = e.finding?.configPath
        changes = e.hostChange?.changes
    }
}
