import Foundation

extension ReportDocument {
    /// The document `guestcap check --format json` prints.
    public init(
        check host: HostAssessment, verdicts: [GuestVerdict], hostFindings: [Finding],
        skipped: [(path: String, reason: String)], policy: Policy, now: Date
    ) {
        self.init(
            generatedAt: now, policy: PolicyRef(path: policy.path, sha256: policy.sha256),
            host: HostDocument(host), guests: verdicts.map(GuestDocument.init),
            hostFindings: hostFindings.map(FindingDocument.init),
            skipped: skipped.map { Skipped(path: $0.path, reason: $0.reason) })
    }
}
