import GuestCapCore

/// Loader outcomes evaluated against one host: what `check` reports and what the daemon audits.
public struct CheckEvaluation: Sendable {
    public let verdicts: [GuestVerdict]
    public let hostFindings: [Finding]
    public let skipped: [(path: String, reason: String)]

    /// Evaluates every guest against `host` (running guests too: `check` has no history of boot-time hosts).
    public init(outcomes: [LoadOutcome], engine: PolicyEngine, host: HostAssessment) {
        var inputs: [GuestInput] = []
        var skipped: [(path: String, reason: String)] = []
        for o in outcomes {
            if let input = o.guestInput {
                inputs.append(input)
            } else if case .skipped(let path, let reason) = o {
                skipped.append((path, reason))
            }
        }
        let ids = GuestInput.identities(inputs)
        verdicts = zip(inputs, ids).map { input, id in
            switch input {
            case .config(let c): engine.evaluate(c, identity: id, current: host)
            case .unreadable(let path, let source, let error):
                engine.unreadable(source: source, path: path, error: error, identity: id)
            }
        }
        hostFindings = engine.hostFindings(host)
        self.skipped = skipped
    }

    /// Whether anything at severity error or above is open (exit status 1).
    public var hasViolation: Bool {
        verdicts.contains { $0.status == .violating } || hostFindings.contains(where: \.isActiveViolation)
    }
}
