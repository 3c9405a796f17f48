import Foundation
import GuestCapCore
import GuestCapReport

extension Auditor {
    /// The Prometheus metrics of the state after the last round, from memory (no database read).
    func textfileMetrics() -> TextfileMetrics {
        let state = exportState
        return TextfileMetrics(
            host: host, statuses: state.statuses, findings: state.findings,
            lastAudit: state.auditedAt, generatedAt: clock())
    }

    /// Replaces the textfile at `path` (atomically, mode 0644: node_exporter reads it as its own
    /// user). Not synced: it is rewritten every round, and a round must not wait for the disk.
    /// - Throws: ``ExportError`` naming the file and the step that failed.
    func writeTextfile(to path: String) throws(ExportError) {
        try AtomicFile.write(
            Data(PrometheusRenderer.render(textfileMetrics()).utf8), to: path,
            mode: AtomicFile.textfileMode, sync: false)
    }
}
