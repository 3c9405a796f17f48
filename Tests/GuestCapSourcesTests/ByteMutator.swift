/// Random edits of a document's bytes for the parser robustness tests, repeatable from a seed.
struct ByteMutator {
    /// The bytes an edit writes: XML's markup characters, whitespace, and bytes that start or
    /// break UTF-8 sequences.
    static let interesting: [UInt8] =
        Array("<>&;'\"/!?-[]=#x \n\r\tDOCTYPE".utf8) + [0x00, 0x80, 0xC3, 0xE2, 0xED, 0xF0, 0xFF]

    private var generator: SplitMix64

    /// A mutator whose edits are fixed by `seed`.
    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    /// `bytes` (not empty) after a random number of edits in `edits`, each replacing,
    /// inserting or removing one byte at a random offset.
    mutating func mutated(_ bytes: [UInt8], edits: ClosedRange<Int>) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: edits, using: &generator) {
            let offset = Int.random(in: 0..<bytes.count, using: &generator)
            let byte = Self.interesting.randomElement(using: &generator) ?? 0
            switch Int.random(in: 0..<3, using: &generator) {
            case 0: bytes[offset] = byte
            case 1: bytes.insert(byte, at: offset)
            default: bytes.remove(at: offset)
            }
        }
        return bytes
    }
}

/// A small seeded generator (SplitMix64) so the mutations are the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
