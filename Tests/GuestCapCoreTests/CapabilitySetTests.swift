import Testing
@testable import GuestCapCore

@Suite("Bit catalog and capability sets")
struct CapabilitySetTests {
    @Test("formats as 0x%016x and lists names sorted by bit")
    func format() {
        let s = CapabilitySet(rawValue: 0x4000_0000_0000_0021)
        #expect(s.hex == "0x4000000000000021")
        #expect(s.names == ["rdctl-no", "mds-no", "its-no"])
        #expect(CapabilitySet.empty.hex == "0x0000000000000000")
    }

    @Test("reserved bits are named bitN")
    func reserved() {
        #expect(CapabilitySet(bits: [22, 29, 63]).names == ["bit22", "bit29", "bit63"])
        #expect(ArchCapCatalog.bit(named: "bit29")?.bitClass == .reserved)
        #expect(ArchCapCatalog.bit(named: "bit64") == nil)
        #expect(ArchCapCatalog.bit(named: "bit007") == nil)
    }

    @Test("parses canonical, kernel and alias names")
    func parse() throws {
        #expect(try CapabilitySet(names: ["mds-no", "TAA_NO", "skip-l1dfl-vmentry"]).bitNumbers == [3, 5, 8])
        #expect(ArchCapCatalog.isVisibilityFeature("arch-facilities"))
        #expect(throws: UnknownBitName.self) { try CapabilitySet(names: ["mds-yes"]) }
    }

    @Test("names are found in any case")
    func mixedCase() {
        for b in ArchCapCatalog.all {
            #expect(ArchCapCatalog.bit(named: b.name)?.number == b.number)
            #expect(ArchCapCatalog.bit(named: b.name.uppercased())?.number == b.number)
            if let kernel = b.kernelName {
                #expect(ArchCapCatalog.bit(named: kernel)?.number == b.number)
                #expect(ArchCapCatalog.bit(named: kernel.lowercased())?.number == b.number)
                let alternating = kernel.lowercased().enumerated().map { i, c in
                    i.isMultiple(of: 2) ? c.uppercased() : String(c)
                }
                #expect(ArchCapCatalog.bit(named: alternating.joined())?.number == b.number)
            }
        }
        #expect(ArchCapCatalog.bit(named: "Mds-No")?.number == 5)
        #expect(ArchCapCatalog.bit(named: "mDs_nO")?.number == 5)
        #expect(ArchCapCatalog.bit(named: "TSX-CTRL")?.number == 7)
        #expect(ArchCapCatalog.bit(named: "BIT29")?.number == 29)
        #expect(ArchCapCatalog.bit(named: "bit5")?.number == 5)
        #expect(ArchCapCatalog.bit(named: "Bit5")?.number == 5)
        // Not ASCII, but lowercases to a name (U+212A KELVIN SIGN → k).
        #expect(ArchCapCatalog.bit(named: "S\u{212A}IP-L1DFL-VMENTRY")?.number == 3)
        #expect(ArchCapCatalog.bit(named: "BIT64") == nil)
        #expect(ArchCapCatalog.bit(named: "Bit007") == nil)
        #expect(ArchCapCatalog.bit(named: "MDS-YES") == nil)
        #expect(ArchCapCatalog.bit(named: "mds-nö") == nil)
        #expect(ArchCapCatalog.bit(named: "") == nil)
    }

    @Test("KVM_SUPPORTED_ARCH_CAP equals the pass-through column of the table")
    func kvmMask() {
        let fromTable = ArchCapCatalog.defined.filter(\.kvmPassThrough).reduce(UInt64(0)) { $0 | $1.mask }
        #expect(fromTable == ArchCapCatalog.kvmSupportedMask)
    }

    @Test("classes partition the 64 bits")
    func classes() {
        let union = BitClass.allCases.reduce(UInt64(0)) { $0 | ArchCapCatalog.mask(of: $1) }
        #expect(union == UInt64.max)
        #expect(CapabilitySet.of(.disclosure).names == ["rsba", "rrsba"])
    }

    @Test("SHA-256 matches known digests")
    func sha() {
        #expect(SHA256.hex(of: "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: "abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: String(repeating: "a", count: 1000)).hasPrefix("41edece42d63e8d9bf515a9ba6932e1c"))
    }

    @Test("SHA-256 fed in pieces across block boundaries equals the one-shot digest")
    func shaPieces() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for piece in [1, 55, 63, 64, 65, 200] {
            var h = SHA256()
            var i = 0
            while i < bytes.count {
                h.update(Array(bytes[i..<min(i + piece, bytes.count)]))
                i += piece
            }
            #expect(SHA256.hexString(h.finalize()) == SHA256.hex(of: bytes))
        }
    }
}
