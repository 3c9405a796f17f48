import Foundation
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

@Suite("Fleet report")
struct FleetMergerTests {
    /// The fixture report as host `name`, optionally with its guests' UUIDs kept (to be seen on several hosts).
    func export(_ name: String, machine: String) throws -> Data {
        var r = Fixtures.report()
        r.host.hostname = name
        r.host.machineID = machine
        return try ReportCoding.encoder().encode(r)
    }

    @Test("totals, rules, worst hosts, migrated guests and the pool matrix")
    func merge() throws {
        var m = FleetMerger(top: 2)
        for i in 0..<3 { m.add(data: try export("host-\(i)", machine: "m\(i)"), path: "/x/h\(i).json") }
        let r = m.report(generatedAt: Date())
        let one = Fixtures.report()
        #expect(r.inputs.files == 3 && r.inputs.hosts == 3 && r.inputs.unreadable.isEmpty)
        #expect(r.totals.guests == 3 * one.summary.guests)
        #expect(r.totals.violating == 3 * one.summary.violating)
        #expect(r.worstHosts.count == 2, "kept to --top")
        #expect(r.worstHosts.map(\.hostname) == ["host-0", "host-1"], "ties broken by name")
        let immunity = try #require(r.findingsByRule.first { $0.rule == "unjustified-immunity" })
        #expect(immunity.open == 3 && immunity.waived == 3 && immunity.hosts == 3)
        // Every guest with a UUID is on all three hosts.
        #expect(r.migratedGuests.count == one.guests.filter { $0.uuid != nil }.count)
        #expect(r.migratedGuests.allSatisfy { $0.hosts.map(\.host) == ["host-0", "host-1", "host-2"] })
        let pool = try #require(r.migrationMatrix.first)
        #expect(pool.pool == "maintenance" && pool.poolHosts == ["kvm-skx-07"])
        #expect(pool.rows.map(\.guest) == ["web-01", "web-01", "web-01"])
        #expect(pool.guestsUnsafeByHost["kvm-skx-07"] == 3)
        #expect(r.hasOpenViolation)
    }

    @Test("--top 0 lists no worst hosts and still counts every host")
    func topZero() throws {
        var m = FleetMerger(top: 0)
        for i in 0..<2 { m.add(data: try export("host-\(i)", machine: "m\(i)"), path: "/x/h\(i).json") }
        let r = m.report(generatedAt: Date())
        #expect(r.worstHosts.isEmpty)
        #expect(r.inputs.hosts == 2 && r.totals.hostsWithViolations == 2)
    }

    @Test("an unreadable file is listed with its reason; a second export of a host counts as repeated")
    func unreadable() throws {
        var m = FleetMerger()
        m.add(data: Data("{\"format\": \"guestcap.report/v1\"}".utf8), path: "/x/bad.json")
        m.add(data: Data("not json".utf8), path: "/x/worse.json")
        m.add(data: try export("h", machine: "same"), path: "/x/a.json")
        m.add(data: try export("h", machine: "same"), path: "/x/b.json")
        let r = m.report(generatedAt: Date())
        #expect(r.inputs.unreadable.map(\.path) == ["/x/bad.json", "/x/worse.json"])
        #expect(r.inputs.unreadable[0].reason.contains("missing"))
        #expect(r.inputs.hosts == 1 && r.inputs.repeatedHosts == 1 && r.inputs.files == 4)
        #expect(r.migratedGuests.isEmpty, "the same host twice is not a migration")
    }

    @Test("files: folders searched recursively for *.json, hidden files skipped; a missing path is an error")
    func files() throws {
        let dir = Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        for f in ["a.json", "sub/b.json", ".hidden.json", "notes.txt"] {
            _ = FileManager.default.createFile(atPath: dir + "/" + f, contents: Data("{}".utf8))
        }
        #expect(try FleetReader.files(in: [dir]) == [dir + "/a.json", dir + "/sub/b.json"])
        #expect(throws: ExportError.missingInput(path: dir + "/nope")) { try FleetReader.files(in: [dir + "/nope"]) }
    }

    @Test("parallel reading gives the same report as one thread")
    func parallel() throws {
        let dir = Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<12 {
            try export("host-\(i)", machine: "m\(i)").write(to: URL(fileURLWithPath: dir + "/h\(i).json"))
        }
        let files = try FleetReader.files(in: [dir])
        let enc = ReportCoding.encoder()
        let date = Date(timeIntervalSince1970: 0)
        let one = try enc.encode(FleetReader(workers: 1).merge(files: files).report(generatedAt: date))
        let four = try enc.encode(FleetReader(workers: 4).merge(files: files).report(generatedAt: date))
        #expect(one == four)
    }

    @Test("UUIDs are parsed as Foundation parses them, and malformed ones rejected")
    func uuids() {
        for text in ["6e0c0000-0000-4000-8000-00000000000b", "0A000000-0000-4000-8000-0000000000FF"] {
            #expect(HostContribution.uuid(text) == UUID(uuidString: text))
        }
        for bad in [
            "", "6e0c0000-0000-4000-8000-00000000000", "6e0c0000000040008000000000000000000b",
            "6e0c0000-0000-4000-8000-00000000000g", "6e0c0000-0000-4000-8000-00000000000b0",
        ] {
            #expect(HostContribution.uuid(bad) == nil, "\(bad)")
        }
    }

    @Test("the streamed JSON is the same document as the report encoded whole")
    func streamedJSON() throws {
        var m = FleetMerger()
        for i in 0..<3 { m.add(data: try export("host-\(i)", machine: "m\(i)"), path: "/x/h\(i).json") }
        let date = Date(timeIntervalSince1970: 1_795_500_000)
        var streamed = Data()
        try m.writeJSON(generatedAt: date) { streamed.append($0) }
        let whole = try ReportCoding.encoder().encode(m.report(generatedAt: date))
        let a = try JSONSerialization.jsonObject(with: streamed) as! NSDictionary
        let b = try JSONSerialization.jsonObject(with: whole) as! NSDictionary
        #expect(a == b)
        #expect(m.report(generatedAt: date, rowLimit: 1).migrationMatrix[0].rows.count == 1)
        #expect(m.report(generatedAt: date, rowLimit: 1).migrationMatrix[0].rowCount == 3)
    }

    @Test("text and HTML forms name the worst host and the pool")
    func renderers() throws {
        var m = FleetMerger()
        m.add(data: try export("host-0", machine: "m0"), path: "/x/h0.json")
        let r = m.report(generatedAt: Date())
        let text = FleetTextRenderer.render(r)
        #expect(text.contains("host-0") && text.contains("pool maintenance"))
        let html = FleetHTMLRenderer.render(r)
        #expect(html.contains("data-hosts=\"1\"") && html.contains("pool maintenance") && !html.contains("<script"))
    }
}
