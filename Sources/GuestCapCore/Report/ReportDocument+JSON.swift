import Foundation

extension ReportDocument {
    /// The document as pretty-printed JSON: exactly the bytes ``ReportCoding/encoder(pretty:)``
    /// writes, produced several times faster for reports of thousands of guests.
    ///
    /// Guests and findings, which grow with the fleet, are written directly; the other members
    /// go through the encoder.
    /// - Throws: `EncodingError` when the encoder refuses a member.
    public func prettyJSON() throws -> Data {
        var writer = ReportJSONWriter()
        try writer.write(self)
        return Data(writer.out)
    }

    /// ``prettyJSON()``'s bytes handed to `sink` in pieces of about `chunkSize` bytes as they
    /// are written, so a long period's report is never held whole as text.
    /// - Throws: what `sink` throws, or `EncodingError` when the encoder refuses a member.
    public func writePrettyJSON(chunkSize: Int = 1 << 20, to sink: @escaping ([UInt8]) throws -> Void) throws {
        var writer = ReportJSONWriter(chunkSize: chunkSize, sink: sink)
        try writer.write(self)
        try writer.flush()
    }
}

/// Writes report JSON in the layout of `JSONEncoder` with `.prettyPrinted`, `.sortedKeys` and
/// `.withoutEscapingSlashes`: two-space indents, `"key" : value`, keys in UTF-8 byte order,
/// empty arrays and objects split over two lines, control characters escaped.
struct ReportJSONWriter {
    /// The JSON written so far (since the last flush to `sink`).
    var out: [UInt8] = []
    /// Where full chunks go; nil keeps everything in `out`.
    private let sink: (([UInt8]) throws -> Void)?
    private let chunkSize: Int
    /// The current nesting depth.
    private var depth = 0
    /// Whether the innermost open array or object has no member yet.
    private var empty = true

    init(chunkSize: Int = 1 << 16, sink: (([UInt8]) throws -> Void)? = nil) {
        self.sink = sink
        self.chunkSize = chunkSize
        out.reserveCapacity(chunkSize)
    }

    /// Hands what is written so far to the sink, if there is one.
    mutating func flush() throws {
        guard let sink, !out.isEmpty else { return }
        try sink(out)
        out.removeAll(keepingCapacity: true)
    }

    /// Writes the whole document; the members are in sorted key order.
    mutating func write(_ report: ReportDocument) throws {
        let outer = open("{")
        member("format", report.format)
        member("generated_at", ReportCoding.formatDate(report.generatedAt))
        member("guests")
        let guests = open("[")
        for guest in report.guests {
            element()
            write(guest)
            if out.count >= chunkSize { try flush() }
        }
        close("]", guests)
        member("host")
        try encoded(report.host)
        member("host_findings")
        findings(report.hostFindings)
        try presentEncoded("host_snapshots", report.hostSnapshots)
        try presentEncoded("period", report.period)
        try presentEncoded("policy", report.policy)
        try presentEncoded("skipped", report.skipped)
        member("summary")
        try encoded(report.summary)
        close("}", outer)
    }

    private mutating func write(_ guest: GuestDocument) {
        let outer = open("{")
        member("arch_capabilities")
        if let g = guest.archCapabilities {
            let advertised = open("{")
            member("bits")
            strings(g.bits)
            presentStrings("dropped", g.dropped)
            member("provenance")
            provenance(g.provenance)
            if let r = g.requested {
                member("requested")
                let requested = open("{")
                member("bits")
                strings(r.bits)
                member("provenance")
                provenance(r.provenance)
                member("value", r.value)
                member("visible")
                bool(r.visible)
                close("}", requested)
            }
            member("value", g.value)
            member("visible")
            bool(g.visible)
            present("vmm", g.vmm)
            close("}", advertised)
        } else {
            null()
        }
        member("error")
        optional(guest.error)
        member("findings")
        findings(guest.findings)
        member("name")
        optional(guest.name)
        member("path", guest.path)
        member("source", guest.source.rawValue)
        member("status", guest.status)
        member("uuid")
        optional(guest.uuid)
        close("}", outer)
    }

    private mutating func provenance(_ map: [String: String]) {
        let object = open("{")
        for key in map.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            member(key)
            string(map[key] ?? "")
        }
        close("}", object)
    }

    private mutating func findings(_ findings: [FindingDocument]) { array(findings) { $0.write($1) } }

    private mutating func write(_ f: FindingDocument) {
        let outer = open("{")
        member("bits")
        strings(f.bits)
        present("direction", f.direction.map(\.rawValue))
        present("first_seen", f.firstSeen.map(ReportCoding.formatDate))
        present("id", f.id)
        present("last_seen", f.lastSeen.map(ReportCoding.formatDate))
        member("message", f.message)
        presentStrings("origins", f.origins)
        present("pool", f.pool)
        present("pool_host", f.poolHost)
        present("resolved_at", f.resolvedAt.map(ReportCoding.formatDate))
        member("rule", f.rule)
        member("severity", f.severity.rawValue)
        member("state", f.state.rawValue)
        if let w = f.waiver {
            member("waiver")
            let waiver = open("{")
            member("active")
            bool(w.active)
            presentStrings("bits", w.bits)
            member("expires", w.expires)
            member("reason", w.reason)
            close("}", waiver)
        }
        close("}", outer)
    }

    // MARK: Layout

    /// Opens an array or object; returns the enclosing one's `empty`, for `close`.
    private mutating func open(_ bracket: Unicode.Scalar) -> Bool {
        out.append(UInt8(ascii: bracket))
        out.append(0x0A)
        depth += 1
        defer { empty = true }
        return empty
    }

    /// Closes what `open` opened, restoring the enclosing `empty`.
    private mutating func close(_ bracket: Unicode.Scalar, _ enclosing: Bool) {
        out.append(0x0A)
        depth -= 1
        indentation()
        out.append(UInt8(ascii: bracket))
        empty = enclosing
    }

    /// Starts a member of an array.
    private mutating func element() {
        if !empty {
            out.append(UInt8(ascii: ","))
            out.append(0x0A)
        }
        empty = false
        indentation()
    }

    /// Starts a member of an object: `"key" : `.
    /// A member whose value is a string.
    private mutating func member(_ key: String, _ value: String) {
        member(key)
        string(value)
    }

    /// A member written only when it has a value (the key is left out otherwise).
    private mutating func present(_ key: String, _ value: String?) {
        if let value { member(key, value) }
    }

    /// A list member written only when it has a value.
    private mutating func presentStrings(_ key: String, _ values: [String]?) {
        guard let values else { return }
        member(key)
        strings(values)
    }

    private mutating func member(_ key: String) {
        element()
        string(key)
        out.append(contentsOf: [0x20, UInt8(ascii: ":"), 0x20])
    }

    private mutating func indentation() {
        for _ in 0..<depth * 2 { out.append(0x20) }
    }

    // MARK: Values

    private mutating func null() { out.append(contentsOf: "null".utf8) }

    private mutating func bool(_ value: Bool) { out.append(contentsOf: (value ? "true" : "false").utf8) }

    private mutating func optional(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    private mutating func strings(_ values: [String]) { array(values) { $0.string($1) } }

    /// `values` as a JSON array, each element written by `each`.
    private mutating func array<Element>(_ values: [Element], _ each: (inout Self, Element) -> Void) {
        let list = open("[")
        for value in values {
            element()
            each(&self, value)
        }
        close("]", list)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A string in quotes: `"` and `\` escaped, control characters as `\n`-style or `\u00xx`
    /// escapes, everything else (`/` and non-ASCII included) as is.
    private mutating func string(_ value: String) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var runStart = 0
            for (index, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                runStart = index + 1
                out.append(UInt8(ascii: "\\"))
                switch byte {
                case 0x22, 0x5C: out.append(byte)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default:
                    out.append(contentsOf: "u00".utf8)
                    out.append(Self.hexDigits[Int(byte >> 4)])
                    out.append(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A value through `JSONEncoder`, re-indented to the current depth (JSON strings hold no
    /// raw line breaks, so every line break in the output is layout; the blank line of an
    /// empty array or object stays blank).
    /// A member written as its `Encodable` encoding, only when it has a value.
    private mutating func presentEncoded(_ key: String, _ value: (some Encodable)?) throws {
        guard let value else { return }
        member(key)
        try encoded(value)
    }

    private mutating func encoded(_ value: some Encodable) throws {
        let data = Array(try ReportCoding.encoder().encode(value))
        for (index, byte) in data.enumerated() {
            out.append(byte)
            if byte == 0x0A, index + 1 < data.count, data[index + 1] != 0x0A { indentation() }
        }
    }
}
