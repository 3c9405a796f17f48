/// guestcap's G for a guest set beside what the probe read in a guest booted the same way.
public struct ProbeComparison: Sendable, Hashable {
    /// G: what guestcap says the guest is told.
    public var expected: ProbeReading
    /// What the probe kernel read.
    public var observed: ProbeReading

    /// Creates a comparison; an invisible MSR's value does not count (the guest cannot read it).
    public init(expectedValue: CapabilitySet, expectedVisible: Bool, observed: ProbeReading) {
        self.expected = ProbeReading(visible: expectedVisible, value: expectedValue)
        self.observed = observed
    }

    /// Whether guestcap's model and the CPU agree.
    public var agrees: Bool { expected == observed }

    /// What differs, as a sentence; nil when they agree.
    public var difference: String? {
        if agrees { return nil }
        if expected.visible != observed.visible {
            return expected.visible
                ? "guestcap says the guest can read MSR 0x10a, but the guest's CPUID hides it (CPUID.7.0:EDX[29] is clear)"
                : "guestcap says the guest cannot read MSR 0x10a, but the guest's CPUID shows it (CPUID.7.0:EDX[29] is set)"
        }
        let extra = observed.value.subtracting(expected.value)
        let missing = expected.value.subtracting(observed.value)
        var parts: [String] = []
        if !extra.isEmpty { parts.append("the guest read \(Self.list(extra)) that guestcap did not expect") }
        if !missing.isEmpty { parts.append("guestcap expected \(Self.list(missing)) that the guest did not read") }
        return parts.joined(separator: "; ")
    }

    private static func list(_ bits: CapabilitySet) -> String {
        "\(bits.hex) [\(bits.names.joined(separator: ", "))]"
    }
}
