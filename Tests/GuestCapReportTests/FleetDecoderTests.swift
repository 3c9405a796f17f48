import Foundation
import GuestCapTestSupport
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

/// `JSONDecoder`'s reading of an export, as the fleet report did it before ``FleetDecoder``:
/// the reference the fast decoder is compared with.
extension FleetInput: Decodable {
    private enum Keys: String, CodingKey {
        case format
        case generatedAt = "generated_at"
        case period, host, guests
        case hostFindings = "host_findings"
        case summary
        case hostname
        case machineID = "machine_id"
        case archCapabilities = "arch_capabilities"
        case justified, status, value
        case name, uuid, path, findings, visible, rule, severity, state, bits, pool
        case poolHost = "pool_host"
        case direction
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        let h = try c.nestedContainer(keyedBy: Keys.self, forKey: .host)
        let msr = try h.nestedContainer(keyedBy: Keys.self, forKey: .archCapabilities)
        let host = Host(
            hostname: try h.decode(String.self, forKey: .hostname),
            machineID: try h.decodeIfPresent(String.self, forKey: .machineID),
            archCapabilities: .init(
                status: try msr.decode(MSRStatus.self, forKey: .status),
                value: try msr.decode(String.self, forKey: .value)),
            justified: try h.nestedContainer(keyedBy: Keys.self, forKey: .justified)
                .decode(String.self, forKey: .value))
        func finding(_ f: KeyedDecodingContainer<Keys>) throws -> Finding {
            var out = Finding(
                rule: try f.decode(String.self, forKey: .rule),
                severity: try f.decode(Severity.self, forKey: .severity),
                state: try f.decode(FindingState.self, forKey: .state))
            if out.rule == Rule.migrationUnsafe.rawValue {
                out.bits = try f.decode([String].self, forKey: .bits)
                out.pool = try f.decodeIfPresent(String.self, forKey: .pool)
                out.poolHost = try f.decodeIfPresent(String.self, forKey: .poolHost)
                out.direction = try f.decodeIfPresent(MigrationDirection.self, forKey: .direction)
            }
            return out
        }
        func findings(_ list: inout any UnkeyedDecodingContainer) throws -> [Finding] {
            var out: [Finding] = []
            while !list.isAtEnd { out.append(try finding(try list.nestedContainer(keyedBy: Keys.self))) }
            return out
        }
        var guests: [Guest] = []
        var list = try c.nestedUnkeyedContainer(forKey: .guests)
        while !list.isAtEnd {
            let g = try list.nestedContainer(keyedBy: Keys.self)
            var advertised: Advertised?
            if try g.contains(.archCapabilities) && !g.decodeNil(forKey: .archCapabilities) {
                let a = try g.nestedContainer(keyedBy: Keys.self, forKey: .archCapabilities)
                advertised = Advertised(
                    value: try a.decode(String.self, forKey: .value),
                    visible: try a.decode(Bool.self, forKey: .visible))
            }
            var f = try g.nestedUnkeyedContainer(forKey: .findings)
            guests.append(
                Guest(
                    name: try g.decodeIfPresent(String.self, forKey: .name),
                    uuid: try g.decodeIfPresent(String.self, forKey: .uuid),
                    path: try g.decode(String.self, forKey: .path),
                    status: try g.decode(GuestStatus.self, forKey: .status), archCapabilities: advertised,
                    findings: try findings(&f)))
        }
        var hostFindings: [Finding]?
        if try c.contains(.hostFindings) && !c.decodeNil(forKey: .hostFindings) {
            var f = try c.nestedUnkeyedContainer(forKey: .hostFindings)
            hostFindings = try findings(&f)
        }
        self.init(
            format: try c.decode(String.self, forKey: .format),
            generatedAt: try c.decode(Date.self, forKey: .generatedAt),
            period: try c.decodeIfPresent(ReportDocument.Period.self, forKey: .period), host: host,
            guests: guests, hostFindings: hostFindings,
            summary: try c.decode(ReportDocument.Summary.self, forKey: .summary))
    }
}

@Suite("Fleet: reading exports without JSONDecoder")
struct FleetDecoderTests {
    static func fast(_ data: Data) -> Result<FleetInput, JSONScanner.Failure> {
        data.withUnsafeBytes { raw in
            Result { () throws(JSONScanner.Failure) in try FleetDecoder.decode(raw.assumingMemoryBound(to: UInt8.self))
            }
        }
    }

    static func reference(_ data: Data) -> FleetInput? {
        try? ReportCoding.decoder().decode(FleetInput.self, from: data)
    }

    /// Exports to compare on: the fixture report under several hosts, compact and pretty, with
    /// awkward strings and absent or null optional members, and the fleet generator's exports
    /// (the benchmark's kind of input) when it has been built.
    static func exports() throws -> [(path: String, data: Data)] {
        var out: [(String, Data)] = []
        for i in 0..<4 {
            var r = Fixtures.report()
            r.host.hostname = ["kvm-01", "k\\vm \"02\"", "kvm/03 é", "kvm-\u{1F600}-04"][i]
            r.host.machineID = i == 2 ? nil : "m\(i)"
            if i == 1 { r.period = nil }
            if i == 3 { r.hostFindings = [] }
            r.guests[0].name = ["tab\there", "new\nline", "ctl\u{01}", "☃"][i]
            let data = try ReportCoding.encoder(pretty: i % 2 == 0).encode(r)
            out.append(("/fixture/h\(i).json", data))
        }
        // Members the fleet does not read, nulls where optional, and an escaped key.
        var doc = try #require(try JSONSerialization.jsonObject(with: out[0].1) as? [String: Any])
        doc["extra"] = ["nested": [[1, 2.5e3, -0.0, true, false, NSNull()], "x\u{0}y"]]
        var guests = try #require(doc["guests"] as? [[String: Any]])
        guests[0]["arch_capabilities"] = NSNull()
        guests[1]["name"] = NSNull()
        doc["guests"] = guests
        doc["host_findings"] = NSNull()
        var text = String(
            decoding: try JSONSerialization.data(withJSONObject: doc, options: [.sortedKeys]), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"summary\"", with: "\"summ\\u0061ry\"")
        out.append(("/fixture/extra.json", Data(text.utf8)))

        if let gen = PackageFiles.builtProgram("guestcap-fleet-gen") {
            for pretty in [false, true] {
                let dir = Fixtures.tempDir()
                defer { try? FileManager.default.removeItem(atPath: dir) }
                let r = try #require(
                    try Fixtures.run(
                        gen,
                        [
                            "--out", dir, "--hosts", "12", "--guests", "60",
                            "--examples", Fixtures.packageRoot + "/examples/hosts",
                        ]
                            + (pretty ? ["--pretty"] : [])))
                #expect(r.status == 0, "\(r.err)")
                for f in try FleetReader.files(in: [dir]) {
                    out.append((f, try Data(contentsOf: URL(fileURLWithPath: f))))
                }
            }
        } else {
            print("guestcap-fleet-gen not built; comparing on the fixture exports only")
        }
        return out
    }

    @Test("reads every export as JSONDecoder does")
    func sameAsJSONDecoder() throws {
        let exports = try Self.exports()
        #expect(exports.count > 5)
        for (path, data) in exports {
            let expected = try #require(Self.reference(data), "\(path)")
            #expect(try Self.fast(data).get() == expected, "\(path)")
        }
    }

    @Test("the fleet JSON is byte for byte the one the JSONDecoder and JSONEncoder path wrote")
    func sameFleetReport() throws {
        var before = FleetMerger(top: 5)
        var after = FleetMerger(top: 5)
        for (path, data) in try Self.exports() {
            before.add(HostContribution(try #require(Self.reference(data)), path: path))
            after.add(data: data, path: path)
        }
        let date = Date(timeIntervalSince1970: 1_795_500_000)
        var fast = Data()
        try after.writeJSON(generatedAt: date) { fast.append($0) }
        // The report encoded whole by JSONEncoder, in the streamed layout (members one per line).
        let whole = before.report(generatedAt: date)
        #expect(!whole.migrationMatrix.isEmpty && whole.migrationMatrix.allSatisfy { !$0.rows.isEmpty })
        var reference = Data()
        let encoder = ReportCoding.encoder(pretty: false)
        for pool in whole.migrationMatrix {
            for row in pool.rows {
                reference.append(try encoder.encode(row))
                reference.append(0x0a)
            }
        }
        let fastRows = String(decoding: fast, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("{\"guest\":") }.map { $0.hasSuffix(",") ? $0.dropLast() : $0 }
        #expect(fastRows.joined(separator: "\n") + "\n" == String(decoding: reference, as: UTF8.self))
        let a = try JSONSerialization.jsonObject(with: fast) as! NSDictionary
        let b = try JSONSerialization.jsonObject(with: try encoder.encode(whole)) as! NSDictionary
        #expect(a == b)
    }

    @Test("matrix rows with strings that need escaping and several pool hosts are written as JSONEncoder writes them")
    func awkwardRows() throws {
        var m = FleetMerger()
        for (i, name) in ["q\"uote", "back\\slash", "sl/ash", "tab\t", "é", "\u{7f}", "plain"].enumerated() {
            var r = Fixtures.report()
            r.host.hostname = name
            r.host.machineID = "m\(i)"
            for g in r.guests.indices { r.guests[g].name = (r.guests[g].name ?? "") + name }
            // A second pool host for some rows: cells of several hosts in one row.
            if i % 2 == 0,
                let g = r.guests.firstIndex(where: { $0.findings.contains { $0.rule == "migration-unsafe" } })
            {
                var extra = r.guests[g].findings.first { $0.rule == "migration-unsafe" }!
                extra.poolHost = "kvm-a\(name)"
                extra.id = "extra"
                r.guests[g].findings.append(extra)
            }
            m.add(data: try ReportCoding.encoder().encode(r), path: "/x/\(i).json")
        }
        let date = Date(timeIntervalSince1970: 0)
        var streamed = Data()
        try m.writeJSON(generatedAt: date) { streamed.append($0) }
        let encoder = ReportCoding.encoder(pretty: false)
        let expected = try m.report(generatedAt: date).migrationMatrix.flatMap(\.rows).map {
            String(decoding: try encoder.encode($0), as: UTF8.self)
        }
        let rows = String(decoding: streamed, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix("{\"guest\":") }.map { String($0.hasSuffix(",") ? $0.dropLast() : $0) }
        #expect(rows.count == 7 && rows == expected)
        #expect(rows.contains { $0.contains("\"unsafe\":{\"kvm-a") }, "some row has two pool hosts")
    }

    @Test("damaged exports: truncated ones are refused, no damage crashes, and what is read agrees with JSONDecoder")
    func damaged() throws {
        let data = try ReportCoding.encoder(pretty: false).encode(Fixtures.report())
        for cut in stride(from: 0, to: data.count - 1, by: 7) {
            guard case .failure(let f) = Self.fast(data.prefix(cut)) else {
                Issue.record("accepted a document cut at \(cut)")
                continue
            }
            #expect(!f.reason.isEmpty)
        }
        // Fixed seed, so a failure can be reproduced (Knuth's MMIX linear congruential constants).
        var state: UInt64 = 7
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 17
        }
        for _ in 0..<2000 {
            var d = data
            for _ in 0..<Int(next() % 3 + 1) { d[Int(next() % UInt64(d.count))] = UInt8(truncatingIfNeeded: next()) }
            if case .success(let got) = Self.fast(d), let expected = Self.reference(d) { #expect(got == expected) }
        }
        // Deep nesting is refused, not a stack overflow.
        let deep = Data(("{\"x\":" + String(repeating: "[", count: 100_000)).utf8)
        #expect(throws: JSONScanner.Failure.self) { try Self.fast(deep).get() }
    }

    @Test("a failure says what is wrong and where")
    func failureMessages() throws {
        var doc = try #require(
            try JSONSerialization.jsonObject(with: try ReportCoding.encoder().encode(Fixtures.report()))
                as? [String: Any])
        var guests = try #require(doc["guests"] as? [[String: Any]])
        guests[1]["status"] = 3
        doc["guests"] = guests
        let wrongType = try JSONSerialization.data(withJSONObject: doc)
        guard case .failure(let f) = Self.fast(wrongType) else {
            Issue.record("accepted")
            return
        }
        #expect(f.reason.hasPrefix("expected a string") && f.reason.hasSuffix(" at guests[1].status"), "\(f.reason)")
        guests[1]["status"] = "fine"
        doc["guests"] = guests
        guard case .failure(let g) = Self.fast(try JSONSerialization.data(withJSONObject: doc)) else { return }
        #expect(g.reason == "'fine' is not a known value at guests[1].status")
        doc.removeValue(forKey: "summary")
        guests[1]["status"] = "compliant"
        doc["guests"] = guests
        guard case .failure(let h) = Self.fast(try JSONSerialization.data(withJSONObject: doc)) else { return }
        #expect(h.reason == "missing 'summary'")
    }

    @Test("the everyday date form is computed as ReportCoding parses it; other forms are left to it")
    func dates() {
        for text in [
            "1970-01-01T00:00:00Z", "2026-11-24T00:00:00Z", "2024-02-28T23:59:59Z", "2000-03-01T12:34:56Z",
            "2099-12-28T01:02:03Z",
        ] {
            #expect(FleetDecoder.plainUTCDate(text) == ReportCoding.parseDate(text), "\(text)")
        }
        for other in [
            "2024-02-29T00:00:00Z", "2026-11-24T00:00:00.5Z", "2026-11-24T01:00:00+01:00", "2026-13-01T00:00:00Z",
            "1969-12-31T23:59:59Z", "2026-11-24",
        ] {
            #expect(FleetDecoder.plainUTCDate(other) == nil, "\(other)")
        }
    }

}

@Suite("Fleet: the scanner's fast paths")
struct JSONScannerTests {
    /// `string()` on one JSON string literal.
    static func read(_ literal: [UInt8]) -> String? {
        literal.withUnsafeBufferPointer { b in
            var s = JSONScanner(b)
            return try? s.string()
        }
    }

    @Test("a quote, backslash escape or control character is found at every offset of the eight-byte steps")
    func specialsAtEveryOffset() {
        let q = UInt8(ascii: "\"")
        for length in 0..<20 {
            let plain = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            #expect(Self.read([q] + plain + [q]) == String(repeating: "a", count: length))
            for at in 0...length {
                let before = Array(plain[..<at])
                let after = Array(plain[at...])
                #expect(
                    Self.read([q] + before + Array(#"\""#.utf8) + after + [q])
                        == String(repeating: "a", count: at) + "\"" + String(repeating: "a", count: length - at))
                #expect(
                    Self.read([q] + before + Array("\\u00e9".utf8) + after + [q])
                        == String(repeating: "a", count: at) + "é" + String(repeating: "a", count: length - at))
                #expect(Self.read([q] + before + [0x09] + after + [q]) == nil, "a raw tab is not JSON")
                #expect(
                    Self.read([q] + before + [0x7f, 0xc3, 0xa9] + after + [q])
                        == String(repeating: "a", count: at) + "\u{7f}é" + String(repeating: "a", count: length - at))
                #expect(Self.read([q] + before + [0xff] + after + [q]) == nil, "not UTF-8")
                #expect(Self.read([q] + before) == nil, "unterminated")
            }
        }
    }

    @Test("hex values and UUID text as the slower general routines give them")
    func hexAndUUID() {
        for text in [
            "0x00000000000000ab", "0X0A", "0x", "0xffffffffffffffff", "0x1ffffffffffffffff", "171", "0xg", "-1",
        ] {
            #expect(HostContribution.hexValue(text) == CapabilitySet.parse(hex: text)?.rawValue, "\(text)")
        }
        for _ in 0..<50 {
            let uuid = UUID()
            var out = Data()
            HostContribution.appendText(of: uuid, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == uuid.uuidString.lowercased())
        }
    }
}
