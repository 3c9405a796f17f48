import Foundation
import GuestCapCore
import GuestCapExport

extension Auditor {
    /// The Prometheus metrics of the state after the last round, from memory (no database read).
    func textfileMetrics() -> TextfileMetrics {
        let state = exportState
        return TextfileMetrics(host: host, statuses: state.guests.map(\.status), findings: state.findings,
                               lastAudit: state.auditedAt, generatedAt: clock())
    }

    /// Replaces the textfile at `path` (atomically, mode 0644: node_exporter reads it as its own user).
    /// - Throws: ``ExportError`` naming the file and the step that failed.
    func writeTextfile(to path: String) throws(ExportError) {
        try AtomicFile.write(Data(PrometheusRenderer.render(textfileMetrics()).utf8), to: path,
                             mode: AtomicFile.textfileMode)
    }
}

extension GuestEntry {
    /// The guest's status now, in the order of ``GuestStatus``: an open violation (also one kept
    /// from the last good configuration of an unreadable file) comes before unreadable.
    var status: GuestStatus {
        if records.contains(where: { $0.state == .open && $0.severity.isViolation }) { return .violating }
        if case .unreadable = input { return .unreadable }
        if records.contains(where: { $0.state == .waived && $0.severity.isViolation }) { return .waived }
        return .compliant
    }
}
