import Foundation
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

/// Exports made since R and directions were recorded (issue 13), read by the fleet report.
@Suite("Fleet: directions of migration findings and the new guest members")
struct FleetDirectionTests {
    /// The fixture's web-01 with an incoming finding towards a second pool host.
    static func export() throws -> Data {
        var r = Fixtures.report()
        let g = try #require(r.guests.firstIndex { $0.name == "web-01" })
        var incoming = try #require(r.guests[g].findings.first { $0.rule == Rule.migrationUnsafe.rawValue })
        #expect(incoming.direction == .outgoing, "the fixture's finding is outgoing")
        incoming.direction = .incoming
        incoming.poolHost = "kvm-in-01"
        incoming.id = "incoming"
        r.guests[g].findings.append(incoming)
        #expect(r.guests[g].archCapabilities?.requested != nil && r.guests[g].archCapabilities?.vmm != nil)
        return try ReportCoding.encoder(pretty: false).encode(r)
    }

    @Test("direction is read; requested, dropped and vmm are skipped; the decoder agrees with JSONDecoder")
    func decodes() throws {
        let data = try Self.export()
        let input = try FleetDecoderTests.fast(data).get()
        #expect(input == FleetDecoderTests.reference(data))
        let web = try #require(input.guests.first { $0.name == "web-01" })
        #expect(
            web.findings.filter { $0.rule == Rule.migrationUnsafe.rawValue }.map(\.direction) == [.outgoing, .incoming])
        #expect(web.archCapabilities != nil)
    }

    @Test("the matrix holds outgoing findings (moving the guest to the pool host); incoming ones count by rule")
    func matrixIsOutgoing() throws {
        var m = FleetMerger()
        m.add(data: try Self.export(), path: "/x/a.json")
        let r = m.report(generatedAt: Date())
        let pool = try #require(r.migrationMatrix.first)
        #expect(pool.poolHosts == ["kvm-skx-07"], "no column for the incoming finding's host")
        let migration = try #require(r.findingsByRule.first { $0.rule == Rule.migrationUnsafe.rawValue })
        #expect(migration.open == 2)
    }

    @Test("a direction that is not outgoing or incoming is refused, naming where")
    func unknownDirection() throws {
        let text = String(decoding: try Self.export(), as: UTF8.self)
            .replacingOccurrences(of: "\"direction\":\"incoming\"", with: "\"direction\":\"sideways\"")
        guard case .failure(let failure) = FleetDecoderTests.fast(Data(text.utf8)) else {
            Issue.record("an unknown direction was accepted")
            return
        }
        let message = failure.reason
        #expect(message.contains("'sideways' is not a known value") && message.contains("direction"))
    }
}
