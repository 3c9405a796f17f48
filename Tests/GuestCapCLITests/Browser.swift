import Foundation
import GuestCapTestSupport
import Testing

/// A real headless Chromium (Debian's `chromium`; `scripts/ensure-deps.sh browser` installs it),
/// for tests that check what an HTML report looks like once rendered.
enum Browser {
    /// The browser; fails the test when it is missing (tests that use it carry `.needs(.chromium)`).
    static func path() throws -> String { try TestTool.chromium.require() }

    private static func flags(_ profile: String) -> [String] {
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--no-first-run", "--user-data-dir=" + profile,
        ]
    }

    /// The DOM after rendering (`--dump-dom`).
    static func dom(_ file: String) throws -> CLI.Result {
        let profile = CLI.tempDir("guestcap-chromium")
        defer { try? FileManager.default.removeItem(atPath: profile) }
        return try CLI.run(try path(), flags(profile) + ["--dump-dom", "file://" + file])
    }

    /// A PNG screenshot of the page at the given window size.
    static func screenshot(_ file: String, to png: String, width: Int = 1400, height: Int = 2000) throws -> CLI.Result {
        let profile = CLI.tempDir("guestcap-chromium")
        defer { try? FileManager.default.removeItem(atPath: profile) }
        return try CLI.run(
            try path(), flags(profile) + ["--screenshot=" + png, "--window-size=\(width),\(height)", "file://" + file])
    }

    /// The value of `name="…"` on the rendered `<body>`.
    static func bodyAttribute(_ dom: String, _ name: String) -> String? {
        guard let body = dom.range(of: "<body"), let end = dom[body.upperBound...].firstIndex(of: ">") else {
            return nil
        }
        let tag = dom[body.upperBound..<end]
        guard let r = tag.range(of: name + "=\"") else { return nil }
        return String(tag[r.upperBound...].prefix { $0 != "\"" })
    }

    /// The text of the element with this id (`<span … id="count-guests">6</span>` → "6").
    static func text(_ dom: String, id: String) -> String? {
        guard let r = dom.range(of: "id=\"\(id)\""), let gt = dom[r.upperBound...].firstIndex(of: ">") else {
            return nil
        }
        return String(dom[dom.index(after: gt)...].prefix { $0 != "<" })
    }
}

extension CLI {
    /// The fleet example generator (Benchmarks/fleet), built next to guestcap.
    static var generator: String {
        URL(fileURLWithPath: binary).deletingLastPathComponent().appendingPathComponent("guestcap-fleet-gen").path
    }

    /// Writes `hosts` example exports of `guests` guests each into a new folder.
    static func exports(hosts: Int, guests: Int) throws -> String {
        let dir = tempDir("guestcap-exports")
        let r = try run(
            generator,
            [
                "--out", dir, "--hosts", "\(hosts)", "--guests", "\(guests)", "--pretty",
                "--examples", packageRoot + "/examples/hosts",
            ])
        precondition(r.status == 0, "guestcap-fleet-gen failed: \(r.stderr)")
        return dir
    }
}
