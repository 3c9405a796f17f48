import GuestCapCore

/// `guestcap probe` without its output: G for every guest in the files, then a probe guest each.
public struct ProbeSession: Sendable {
    /// Runs the probes.
    public let prober: GuestProber
    /// Reads the configurations, as `check` does.
    public let loader: GuestConfigLoader
    /// Bits added to every G, visible, before comparing: only the tests set it, to make guestcap's
    /// model disagree with the CPU on purpose (as a wrong CPU model table would).
    public var pretendExtraBits: CapabilitySet?

    /// Creates a session.
    public init(
        prober: GuestProber, loader: GuestConfigLoader = GuestConfigLoader(hashContents: false),
        pretendExtraBits: CapabilitySet? = nil
    ) {
        self.prober = prober
        self.loader = loader
        self.pretendExtraBits = pretendExtraBits
    }

    /// Computes G for each guest in `paths` against `host`, probes each, and returns one entry per
    /// guest (and one per file that could not be read), in the order given.
    public func run(paths: [String], engine: PolicyEngine, host: HostAssessment) -> [ProbeEntry] {
        var entries: [ProbeEntry] = []
        for path in paths {
            let outcomes = loader.load(path: path)
            let evaluation = CheckEvaluation(outcomes: outcomes, engine: engine, host: host)
            for skipped in evaluation.skipped {
                entries.append(ProbeEntry(path: skipped.path, error: "not probed: \(skipped.reason)"))
            }
            for verdict in evaluation.verdicts {
                var entry = ProbeEntry(path: verdict.path, source: verdict.source, name: verdict.name)
                guard let g = verdict.advertised else {
                    entry.error = verdict.error ?? "the configuration could not be read"
                    entries.append(entry)
                    continue
                }
                var expected = ProbeReading(visible: g.visible, value: g.value)
                if let extra = pretendExtraBits { expected = ProbeReading(visible: true, value: g.value.union(extra)) }
                entry.expected = expected
                do {
                    let result = try prober.probe(path: verdict.path, source: verdict.source)
                    entry.comparison = ProbeComparison(
                        expectedValue: expected.value, expectedVisible: expected.visible,
                        observed: result.reading)
                    entry.method = result.method
                } catch {
                    entry.error = error.reason
                }
                entries.append(entry)
            }
        }
        return entries
    }
}
