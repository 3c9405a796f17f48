import Testing
@testable import GuestCapCore

@Suite("the probe kernel's line and its comparison with G")
struct ProbeReadingTests {
    @Test("a reading is the first complete line, after firmware noise, CR LF or LF")
    func parsesLine() {
        let out = "SeaBIOS (version 1.16)\r\n\r\nguestcap-probe visible=1 msr10a=0x000000000c0000eb\r\n"
        #expect(
            ProbeReading(serialOutput: out) == ProbeReading(visible: true, value: CapabilitySet(rawValue: 0xc0000eb)))
        #expect(
            ProbeReading(serialOutput: "guestcap-probe visible=0 msr10a=none\n")
                == ProbeReading(visible: false, value: .empty))
        #expect(ProbeReading(serialOutput: "guestcap-probe visible=1 msr10a=0x20") == nil, "a line not yet ended")
        #expect(ProbeReading(serialOutput: "guestcap-probe visible=2 msr10a=0x20\n") == nil)
        #expect(ProbeReading(serialOutput: "guestcap-probe visible=1 msr10a=zz\n") == nil)
        #expect(
            ProbeReading(serialOutput: "guestcap-probe visible=1 msr10a=0x20 later=1\n")?.value
                == CapabilitySet(rawValue: 0x20))
    }

    @Test("G and the reading agree when visibility and (if visible) the value match")
    func compares() {
        let hidden = ProbeReading(visible: false, value: .empty)
        #expect(
            ProbeComparison(expectedValue: CapabilitySet(rawValue: 0x20), expectedVisible: false, observed: hidden)
                .agrees)
        let told = ProbeComparison(
            expectedValue: CapabilitySet(rawValue: 0x20), expectedVisible: true, observed: hidden)
        #expect(!told.agrees)
        #expect(told.difference?.contains("CPUID hides it") == true)
        let more = ProbeComparison(
            expectedValue: CapabilitySet(rawValue: 0x20), expectedVisible: true,
            observed: ProbeReading(visible: true, value: CapabilitySet(rawValue: 0x120)))
        #expect(more.difference == "the guest read 0x0000000000000100 [taa-no] that guestcap did not expect")
    }
}
