/// One guest's line in `guestcap probe`: guestcap's G beside what the probe read, or why it
/// could not be probed.
public struct ProbeEntry: Sendable {
    /// How the two compare.
    public enum Outcome: String, Sendable, Encodable {
        /// G and the probe's reading are the same.
        case agree
        /// They differ: guestcap's model of this VMM is wrong here.
        case differ
        /// The guest could not be probed (or its configuration not read).
        case failed = "could-not-probe"
    }

    /// The configuration file.
    public var path: String
    /// Its kind, when it was read.
    public var source: GuestSource?
    /// The guest's name, when the configuration has one.
    public var name: String?
    /// G and its visibility, when the configuration was read.
    public var expected: ProbeReading?
    /// G and the reading, when the probe ran.
    public var comparison: ProbeComparison?
    /// How the probe guest was booted.
    public var method: String?
    /// Why it could not be probed.
    public var error: String?

    /// Creates an entry; the probe's fields are filled in as it runs.
    public init(path: String, source: GuestSource? = nil, name: String? = nil, error: String? = nil) {
        self.path = path
        self.source = source
        self.name = name
        self.error = error
    }

    /// How the two compare.
    public var outcome: Outcome {
        guard let comparison else { return .failed }
        return comparison.agrees ? .agree : .differ
    }
}

extension ProbeEntry: Encodable {
    private enum Keys: String, CodingKey {
        case path, source, name, result, guestcap, probe, difference, method, error
    }

    private struct Value: Encodable {
        let value: String, bits: [String], visible: Bool
        init(_ r: ProbeReading) {
            value = r.value.hex
            bits = r.value.names
            visible = r.visible
        }
    }

    /// `{path, source, name, result, guestcap: {value, bits, visible}, probe: {…}, difference, method, error}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(path, forKey: .path)
        try c.encode(source?.rawValue, forKey: .source)
        try c.encode(name, forKey: .name)
        try c.encode(outcome, forKey: .result)
        try c.encode(expected.map(Value.init), forKey: .guestcap)
        try c.encode(comparison.map { Value($0.observed) }, forKey: .probe)
        try c.encode(comparison?.difference, forKey: .difference)
        try c.encode(method, forKey: .method)
        try c.encode(error, forKey: .error)
    }
}
