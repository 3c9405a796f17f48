import Foundation
import GuestCapTestSupport
import Testing

@Suite("guestcap fleet", .serialized)
struct FleetCommandTests {
    @Test("JSON: totals add up over the exports, migrated guests and the pool matrix are found; exit 1 (violations)")
    func json() throws {
        let dir = try CLI.exports(hosts: 6, guests: 12)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.guestcap(["fleet", "--format", "json", dir])
        #expect(r.status == 1, "\(r.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        #expect(doc["format"] as? String == "guestcap.fleet/v1")
        let totals = doc["totals"] as! [String: Any]
        #expect(totals["guests"] as? Int == 72)
        #expect((doc["inputs"] as! [String: Any])["hosts"] as? Int == 6)
        // Sum of the exports' own summaries.
        var violating = 0
        for f in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let e =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/" + f)))
                as! [String: Any]
            violating += (e["summary"] as! [String: Int])["violating"]!
        }
        #expect(totals["violating"] as? Int == violating)
        let migrated = doc["migrated_guests"] as! [[String: Any]]
        #expect(migrated.count == 5, "the last guest of hosts 1…5 also ran on the previous host")
        #expect(migrated.allSatisfy { ($0["hosts"] as! [Any]).count == 2 })
        let matrix = doc["migration_matrix"] as! [[String: Any]]
        #expect(Set(matrix.map { $0["pool"] as! String }) == ["clx-gnr", "legacy"])
    }

    @Test("text: worst hosts, rules, pools; an unreadable file is named, the rest still reported, exit 2")
    func textAndUnreadable() throws {
        let dir = try CLI.exports(hosts: 3, guests: 5)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: dir + "/broken.json"))
        let r = try CLI.guestcap(["fleet", dir])
        #expect(r.status == 2)
        #expect(r.stderr.contains("broken.json"))
        #expect(r.stdout.contains("3 hosts from 4 exports"))
        #expect(
            r.stdout.contains("Worst hosts") && r.stdout.contains("Migration matrix")
                && r.stdout.contains("pool clx-gnr"))
    }

    @Test("HTML renders in headless Chromium with the fleet's host and guest counts", .needs(.chromium))
    func htmlInBrowser() throws {
        let dir = try CLI.exports(hosts: 4, guests: 10)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let page = dir + "/fleet.html"
        let r = try CLI.guestcap(["fleet", "--format", "html", "--output", page, dir])
        #expect(r.status == 1)
        let dom = try Browser.dom(page)
        #expect(Browser.text(dom.stdout, id: "count-hosts") == "4")
        #expect(Browser.text(dom.stdout, id: "count-guests") == "40")
    }

    @Test("a path that does not exist is a usage-level error")
    func missing() throws {
        let r = try CLI.guestcap(["fleet", "/nonexistent/exports"])
        #expect(r.status == 2 && r.stderr.contains("/nonexistent/exports"))
    }
}
