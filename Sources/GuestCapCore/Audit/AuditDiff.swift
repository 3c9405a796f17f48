/// Compares the findings in force before an audit with those after it: findings are state,
/// so only changes become transitions.
public enum AuditDiff {
    /// The transitions that turn `previous` into `current` (both: active findings, open or waived).
    public static func transitions(previous: [FindingRecord], current: [FindingRecord]) -> [TransitionDraft] {
        var before: [String: FindingRecord] = [:]
        for r in previous { before[r.findingID] = r }
        var seen = Set<String>()
        var out: [TransitionDraft] = []
        for r in current where seen.insert(r.findingID).inserted {
            switch (before[r.findingID]?.state, r.state) {
            case (nil, .waived): out.append(TransitionDraft(kind: .waived, finding: r))
            case (nil, _): out.append(TransitionDraft(kind: .opened, finding: r))
            case (.waived?, .open): out.append(TransitionDraft(kind: .waiverExpired, finding: r))
            case (.open?, .waived): out.append(TransitionDraft(kind: .waived, finding: r))
            default: break
            }
        }
        for r in previous where !seen.contains(r.findingID) {
            out.append(TransitionDraft(kind: .resolved, finding: r))
        }
        return out
    }
}
