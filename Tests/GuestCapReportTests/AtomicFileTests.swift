import Foundation
import Testing
@testable import GuestCapReport

@Suite("Atomic writes and periods")
struct AtomicFileTests {
    @Test("reports are 0640 and the textfile 0644 even under umask 077; content replaced; no temporary left")
    func modes() throws {
        let dir = Fixtures.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = umask(0o077)
        defer { umask(old) }
        try AtomicFile.write(Data("one".utf8), to: dir + "/r.json", mode: AtomicFile.reportMode)
        try AtomicFile.write(Data("two".utf8), to: dir + "/r.json", mode: AtomicFile.reportMode)
        try AtomicFile.write(Data("m 1\n".utf8), to: dir + "/guestcap.prom", mode: AtomicFile.textfileMode)
        let fm = FileManager.default
        #expect(try String(contentsOfFile: dir + "/r.json", encoding: .utf8) == "two")
        #expect((try fm.attributesOfItem(atPath: dir + "/r.json")[.posixPermissions] as? Int) == 0o640)
        #expect((try fm.attributesOfItem(atPath: dir + "/guestcap.prom")[.posixPermissions] as? Int) == 0o644)
        #expect(try fm.contentsOfDirectory(atPath: dir).sorted() == ["guestcap.prom", "r.json"])
    }

    @Test("a failure names the folder that is missing, not a temporary file")
    func failure() {
        #expect {
            try AtomicFile.write(Data("x".utf8), to: "/nonexistent-dir/out.json", mode: AtomicFile.reportMode)
        } throws: { error in
            "\(error)".contains("the folder /nonexistent-dir does not exist") && !"\(error)".contains(".tmp")
        }
    }

    @Test("period: last 24 hours by default; dates or RFC 3339; errors say what to write")
    func period() throws {
        let now = Fixtures.date("2026-11-25T06:00:00Z")
        let p = try ExportPeriod.parse(since: nil, until: nil, now: now)
        #expect(p.from == Fixtures.date("2026-11-24T06:00:00Z") && p.to == now)
        let q = try ExportPeriod.parse(since: "2026-11-01", until: "2026-11-02T12:00:00+01:00", now: now)
        #expect(q.from == Fixtures.date("2026-11-01T00:00:00Z") && q.to == Fixtures.date("2026-11-02T11:00:00Z"))
        #expect(throws: ExportError.badDate(option: "--since", value: "yesterday")) {
            try ExportPeriod.parse(since: "yesterday", until: nil, now: now)
        }
        #expect(throws: ExportError.self) { try ExportPeriod.parse(since: "2026-11-26", until: nil, now: now) }
        #expect(ExportPeriod.compact(now) == "20261125T060000Z")
    }
}
