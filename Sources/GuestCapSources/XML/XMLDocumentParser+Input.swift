extension XMLDocumentParser {
    /// The document's bytes with the byte-level helpers the scanner needs.
    ///
    /// Kept apart from the scanner's state so that calling a helper passes two words rather
    /// than copying the whole scanner. Not `Sendable`: the pointer is valid only inside `parse`.
    struct Input {
        let buffer: UnsafeBufferPointer<UInt8>

        /// The number of bytes.
        var count: Int { buffer.count }

        /// The byte at `offset`; callers check `offset < count` first.
        @inline(__always)
        subscript(offset: Int) -> UInt8 { buffer[offset] }

        /// The bytes in `range`, without copying.
        @inline(__always)
        func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: buffer[range])
        }

        /// A string from bytes already checked to be UTF-8.
        @inline(__always)
        func string(_ range: Range<Int>) -> String {
            String(decoding: slice(range), as: UTF8.self)
        }

        /// Eight bytes from `offset`, first byte lowest; callers check `offset + 8 <= count`.
        @inline(__always)
        func word(at offset: Int) -> UInt64 {
            guard let base = buffer.baseAddress else { return 0 }
            return UInt64(littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }

        /// Whether the bytes at `offset` are exactly `literal`.
        func matches(_ literal: StaticString, at offset: Int) -> Bool {
            literal.withUTF8Buffer { expected in
                guard offset >= 0, expected.count <= count - offset else { return false }
                for index in 0..<expected.count where buffer[offset + index] != expected[index] {
                    return false
                }
                return true
            }
        }

        /// Whether the upper-case ASCII `letters` are at `offset`, in either case.
        func matchesLetters(_ letters: StaticString, at offset: Int) -> Bool {
            letters.withUTF8Buffer { expected in
                guard offset >= 0, expected.count <= count - offset else { return false }
                for index in 0..<expected.count where buffer[offset + index] & 0xDF != expected[index] {
                    return false
                }
                return true
            }
        }

        /// Whether the document ends at `offset` partway through `literal`.
        func endsInside(_ literal: StaticString, at offset: Int) -> Bool {
            literal.withUTF8Buffer { expected in
                let available = count - offset
                guard available >= 0, available < expected.count else { return false }
                for index in 0..<available where buffer[offset + index] != expected[index] {
                    return false
                }
                return true
            }
        }

        /// Whether two ranges hold the same bytes.
        func sameBytes(_ first: Range<Int>, _ second: Range<Int>) -> Bool {
            guard first.count == second.count else { return false }
            var offset = 0
            while offset < first.count {
                if buffer[first.lowerBound + offset] != buffer[second.lowerBound + offset] { return false }
                offset += 1
            }
            return true
        }

        /// The scalar value and length of the UTF-8 sequence at `offset`, which was validated
        /// up front; a sequence cut off by the end yields 0 so callers treat it as no match.
        func scalar(at offset: Int) -> (UInt32, Int) {
            let lead = UInt32(buffer[offset])
            let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
            guard offset + length <= count else { return (0, 1) }
            func continuation(_ index: Int) -> UInt32 { UInt32(buffer[offset + index] & 0x3F) }
            switch length {
            case 1: return (lead, 1)
            case 2: return ((lead & 0x1F) << 6 | continuation(1), 2)
            case 3: return ((lead & 0x0F) << 12 | continuation(1) << 6 | continuation(2), 3)
            default: return ((lead & 0x07) << 18 | continuation(1) << 12 | continuation(2) << 6 | continuation(3), 4)
            }
        }

        /// How many lines end in `start..<end`: each LF, and each CR not followed by LF.
        func lineBreaks(from start: Int, to end: Int) -> Int {
            var breaks = 0
            var index = start
            // Eight bytes at a time; a word holding a CR is left to the byte loop.
            while index < end, index + 8 <= count {
                var word = word(at: index)
                let available = end - index
                if available < 8 { word &= (1 << UInt64(available * 8)) &- 1 }
                guard Self.zeroBytes(word ^ Self.repeated(0x0D)) == 0 else { break }
                // Sum the one-bit flags with a multiply; baseline x86-64 has no POPCNT.
                let flags = Self.zeroBytes(word ^ Self.repeated(0x0A)) >> 7
                breaks += Int(truncatingIfNeeded: (flags &* 0x0101_0101_0101_0101) >> 56)
                index += min(available, 8)
            }
            while index < end {
                let byte = buffer[index]
                if byte == 0x0A {
                    breaks += 1
                } else if byte == 0x0D, index + 1 >= count || buffer[index + 1] != 0x0A {
                    breaks += 1
                }
                index += 1
            }
            return breaks
        }

        /// `byte` in each of the eight bytes of a word.
        @inline(__always)
        static func repeated(_ byte: UInt8) -> UInt64 {
            0x0101_0101_0101_0101 &* UInt64(byte)
        }

        /// The high bit set in exactly the bytes of `word` that are zero (no carries between bytes).
        @inline(__always)
        static func zeroBytes(_ word: UInt64) -> UInt64 {
            let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            return ~(((word & low7) &+ low7) | word) & 0x8080_8080_8080_8080
        }
    }
}
