import Foundation
import GuestCapTestSupport
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

/// The documents written for the fixture report, byte for byte as checked in under `Golden/`:
/// a refactoring of a renderer must leave them as they are. After a deliberate change of
/// output, `GUESTCAP_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests` rewrites them;
/// the diff is then the change to review.
@Suite("golden output: the fixture report's JSON, CSV, HTML and Prometheus text")
struct GoldenOutputTests {
    static let report = Fixtures.report()

    static let documents: [(file: String, render: @Sendable () throws -> String)] = [
        ("report.json", { String(decoding: try report.prettyJSON(), as: UTF8.self) }),
        ("report.csv", { CSVRenderer.render(report) }),
        ("report.html", { HTMLRenderer.render(report, version: "1.2.3") }),
        ("report.prom", { PrometheusRenderer.render(report, lastAudit: Fixtures.date("2026-11-24T23:59:00Z")) }),
    ]

    @Test("each document is the checked-in one", arguments: documents.map(\.file))
    func matchesGolden(_ file: String) throws {
        let render = try #require(Self.documents.first { $0.file == file }?.render)
        let text = try render()
        let path = PackageFiles.path("Tests/GuestCapReportTests/Golden/" + file)
        if ProcessInfo.processInfo.environment["GUESTCAP_UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == golden, "\(file) differs from \(path); diff it against the output to see how")
    }
}
