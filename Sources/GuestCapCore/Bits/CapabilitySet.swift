/// A set of IA32_ARCH_CAPABILITIES bits: the raw 64-bit MSR value with set algebra and names.
public struct CapabilitySet: OptionSet, Sendable, Hashable, Comparable {
    public let rawValue: UInt64

    /// Wraps a raw MSR value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The empty set.
    public static var empty: CapabilitySet { CapabilitySet(rawValue: 0) }

    /// A set holding the given bit numbers.
    public init(bits: some Sequence<Int>) {
        self.init(rawValue: bits.reduce(0) { $0 | (1 << UInt64($1)) })
    }

    /// A set of the named bits.
    /// - Throws: `UnknownBitName` naming the first name that is not a bit.
    public init(names: some Sequence<String>) throws(UnknownBitName) {
        var raw: UInt64 = 0
        for name in names {
            guard let b = ArchCapCatalog.bit(named: name) else { throw UnknownBitName(name: name) }
            raw |= b.mask
        }
        self.init(rawValue: raw)
    }

    /// Bits of one class only.
    public static func of(_ bitClass: BitClass) -> CapabilitySet {
        CapabilitySet(rawValue: ArchCapCatalog.mask(of: bitClass))
    }

    /// The set bit numbers, ascending.
    public var bitNumbers: [Int] {
        (0..<64).filter { rawValue & (1 << UInt64($0)) != 0 }
    }

    /// The bits, ascending by number.
    public var bits: [ArchCapBit] { bitNumbers.map(ArchCapCatalog.bit) }

    /// Canonical names sorted by bit number.
    public var names: [String] { bits.map(\.name) }

    /// `0x%016x`, the form every report uses.
    public var hex: String { Self.hex(rawValue) }

    /// Whether the bit is in the set.
    public func contains(bit number: Int) -> Bool { rawValue & (1 << UInt64(number)) != 0 }

    /// Formats any 64-bit value as `0x` and 16 lower-case digits.
    public static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Parses `0x…` hex (as reports write it) or decimal.
    public static func parse(hex text: String) -> CapabilitySet? {
        let t = text.lowercased()
        if t.hasPrefix("0x") { return UInt64(t.dropFirst(2), radix: 16).map(CapabilitySet.init(rawValue:)) }
        return UInt64(t).map(CapabilitySet.init(rawValue:))
    }

    public static func < (lhs: CapabilitySet, rhs: CapabilitySet) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension CapabilitySet: CustomStringConvertible {
    /// `0x… [name, name]`.
    public var description: String {
        names.isEmpty ? hex : "\(hex) [\(names.joined(separator: ", "))]"
    }
}

/// A bit name that is not in the catalog.
public struct UnknownBitName: Error, Sendable, CustomStringConvertible {
    /// The name as given.
    public let name: String
    public var description: String {
        "'\(name)' is not a bit of IA32_ARCH_CAPABILITIES (use a name such as mds-no, or bitN)"
    }
}
