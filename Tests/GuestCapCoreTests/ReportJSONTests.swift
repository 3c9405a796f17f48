import Foundation
import Testing
@testable import GuestCapCore

/// `ReportDocument.prettyJSON()` writes exactly what `ReportCoding.encoder()` writes.
@Suite("Report JSON writer")
struct ReportJSONTests {
    private func expectSameAsEncoder(_ report: ReportDocument, sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        let expected = String(decoding: try ReportCoding.encoder().encode(report), as: UTF8.self)
        let written = String(decoding: try report.prettyJSON(), as: UTF8.self)
        #expect(written == expected, sourceLocation: sourceLocation)
        // Streamed, flushed after every guest: the same bytes, in one piece per guest and the rest.
        final class Pieces: @unchecked Sendable { var list: [[UInt8]] = [] }
        let pieces = Pieces()
        try report.writePrettyJSON(chunkSize: 1) { pieces.list.append($0) }
        #expect(String(decoding: pieces.list.joined(), as: UTF8.self) == expected, sourceLocation: sourceLocation)
        #expect(pieces.list.count == report.guests.count + 1, sourceLocation: sourceLocation)
    }

    @Test("a check report of evaluated guests, unreadable ones and host findings")
    func checkReport() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let engine = PolicyEngine(now: now)
        let host = engine.assess(cascadeLake)
        let verdicts = [
            evaluate(
                guest(
                    .model(name: "Skylake-Server"),
                    [
                        (.set(bits("mds-no", "taa-no")), "<feature policy='force' name='mds-no'/>"),
                        (.visible(true), "<feature policy='require' name='arch-capabilities'/>"),
                    ]), on: cascadeLake, now: now),
            evaluate(guest(.kvmDefault(label: "host-passthrough"), name: "pass", uuid: nil), on: cascadeLake, now: now),
            evaluate(
                guest(.model(name: "No-Such-Model"), name: "odd \"quoted\" \\ /path\t\u{1}é😀"), on: skylake, now: now),
            engine.unreadable(source: .qemu, path: "/x/y.args", error: "line 3: bad\nthing"),
        ]
        let mixed = engine.assess(snapshot(msr: [0xab, 0xa9]))
        let report = ReportDocument(
            check: host, verdicts: verdicts, hostFindings: engine.hostFindings(mixed),
            skipped: [("/n.xml", "a <network>")], policy: .builtIn, now: now)
        #expect(report.guests.contains { !$0.findings.isEmpty })
        try expectSameAsEncoder(report)
        let empty = ReportDocument(check: host, verdicts: [], hostFindings: [], skipped: [], policy: .builtIn, now: now)
        try expectSameAsEncoder(empty)
    }

    @Test("every optional member, present and absent, and awkward strings")
    func everyMember() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let control = (0..<32).map { String(UnicodeScalar(UInt8($0))) }.joined() + "\"\\/\u{7F}\u{2028}"
        let full = FindingDocument(
            id: "abc", rule: "unjustified-immunity", severity: .critical, bits: ["mds-no", "bit63"], pool: "p",
            poolHost: "h\u{0}", message: control, state: .waived, firstSeen: date, lastSeen: date, resolvedAt: date,
            waiver: .init(reason: "r", expires: "2030-01-01", active: true, bits: ["mds-no"]), origins: ["<a/>", ""])
        let bare = FindingDocument(
            id: nil, rule: "r", severity: .info, bits: [], pool: nil, poolHost: nil, message: "", state: .open,
            firstSeen: nil, lastSeen: nil, resolvedAt: nil,
            waiver: .init(reason: "", expires: "", active: false, bits: nil), origins: nil)
        let provenance = [
            "bit9": "a", "bit10": "b", "b-a": "c", "b_a": "d", "bA": "e", "ba": "f", "é": "g", "z": control,
        ]
        let guests = [
            GuestDocument(
                name: nil, uuid: nil, source: .firecracker, path: control, status: "violating", error: control,
                archCapabilities: .init(value: "0x0", bits: [], visible: false, provenance: provenance),
                findings: [full, bare]),
            GuestDocument(
                name: "n", uuid: "u", source: .libvirtLive, path: "/p", status: "compliant", error: nil,
                archCapabilities: nil, findings: []),
        ]
        let host = HostDocument(PolicyEngine(now: date).assess(cascadeLake))
        let report = ReportDocument(
            generatedAt: date, period: .init(from: date, to: date), policy: .init(path: nil, sha256: "s"), host: host,
            guests: guests, hostFindings: [bare, full], skipped: [.init(path: "/a", reason: control)],
            hostSnapshots: [host, host])
        try expectSameAsEncoder(report)
        let minimal = ReportDocument(generatedAt: date, policy: nil, host: host, guests: guests, hostFindings: [])
        try expectSameAsEncoder(minimal)
    }
}
