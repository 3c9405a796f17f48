import Foundation
import GuestCapCore

/// Opens the history database read-only for an export.
/// - Throws: ``ExportError/historyUnavailable(path:reason:)``.
public func openHistory(_ path: String) throws(ExportError) -> any ExportHistory {
    // Wired to GuestCapStore's HistoryStore once the store branch is merged.
    throw .historyUnavailable(path: path, reason: "this build has no history store yet")
}
