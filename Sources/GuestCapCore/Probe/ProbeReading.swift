/// What the probe kernel read from inside a guest: CPUID.7.0:EDX[29] and, when set, MSR 0x10a.
public struct ProbeReading: Sendable, Hashable {
    /// Whether CPUID.(EAX=7,ECX=0):EDX[29] was set, so the guest could read the MSR.
    public var visible: Bool
    /// The MSR's value; 0 when it was not visible (the probe does not read it then: it would fault).
    public var value: CapabilitySet

    /// The line's fixed start, as the probe kernel prints it on the first serial port.
    public static let marker = "guestcap-probe "

    /// Creates a reading.
    public init(visible: Bool, value: CapabilitySet) {
        self.visible = visible
        self.value = visible ? value : .empty
    }

    /// The reading in a guest's serial output: the first complete `guestcap-probe …` line, or nil
    /// when there is none yet (firmware may print before it; a partial last line is not used).
    public init?(serialOutput: String) {
        // Scalars, not Characters: "\r\n" is one Character and would never split at "\n".
        let text = String(String.UnicodeScalarView(serialOutput.unicodeScalars.filter { $0 != "\r" }))
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        lines.removeLast()  // not yet ended by a line break
        for line in lines {
            guard let start = line.range(of: Self.marker) else { continue }
            if let reading = Self.parse(fields: line[start.upperBound...]) {
                self = reading
                return
            }
        }
        return nil
    }

    // "visible=1 msr10a=0x…" or "visible=0 msr10a=none".
    private static func parse(fields: Substring) -> ProbeReading? {
        var visible: Bool?
        var value: CapabilitySet?
        for field in fields.split(separator: " ") {
            let pair = field.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            switch pair[0] {
            case "visible":
                guard pair[1] == "0" || pair[1] == "1" else { return nil }
                visible = pair[1] == "1"
            case "msr10a":
                if pair[1] == "none" {
                    value = .empty
                } else {
                    guard pair[1].hasPrefix("0x"), let v = UInt64(pair[1].dropFirst(2), radix: 16) else { return nil }
                    value = CapabilitySet(rawValue: v)
                }
            default:
                continue  // a later probe may add fields
            }
        }
        guard let visible, let value else { return nil }
        return ProbeReading(visible: visible, value: value)
    }
}
