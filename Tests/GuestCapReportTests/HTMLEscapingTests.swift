import Foundation
import Testing
@testable import GuestCapCore
@testable import GuestCapReport

/// Every string a report or fleet document carries is text on the HTML page, never markup:
/// each one in turn is replaced with markup and the page must show it escaped.
@Suite("HTML pages escape every value of the report and the fleet report")
struct HTMLEscapingTests {
    static let hostile = "<script>alert(1)</script> & \" '"
    static let escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot; &#39;"

    /// The fixture report with the optional strings it lacks filled in, so that they are on the page.
    static func fullReport() -> ReportDocument {
        var r = Fixtures.report()
        r.host.notes = ["the MSR could not be read on every CPU"]
        r.host.archCapabilities.error = "CPU 3: no such device"
        let migration = r.guests.flatMap(\.findings).first { $0.poolHost != nil }!
        var incoming = migration
        incoming.direction = .incoming
        r.hostFindings += [migration, incoming]
        for i in r.guests.indices {
            guard var told = r.guests[i].archCapabilities else { continue }
            told.vmm = told.vmm ?? "qemu-kvm"
            r.guests[i].archCapabilities = told
        }
        return r
    }

    /// A fleet of three hosts running the fixture guests, one unreadable export, read from a journal.
    static func fullFleet() throws -> FleetReport {
        var m = FleetMerger()
        for i in 0..<3 {
            var r = Fixtures.report()
            r.host.hostname = "host-\(i)"
            r.host.machineID = "m\(i)"
            m.add(data: try ReportCoding.encoder().encode(r), path: "/x/h\(i).json")
        }
        m.add(data: Data("not json".utf8), path: "/x/bad.json")
        var f = m.report(generatedAt: Fixtures.period.to)
        f.inputs.journal = "/var/log/journal/remote"
        return f
    }

    @Test("the report page: no string of the report is written raw; host, guest, message and policy path are escaped")
    func reportPage() throws {
        let full = Self.fullReport()
        let rendered = try Self.check(full) { HTMLRenderer.render($0) }
        #expect(rendered.contains("host.hostname") && rendered.contains("policy.path"))
        #expect(rendered.contains { $0.hasPrefix("guests.") && $0.hasSuffix(".name") })
        #expect(rendered.contains { $0.hasSuffix("findings.0.message") })
        #expect(rendered.contains { $0.hasSuffix(".vmm") } && rendered.contains("host.notes.0"))
        let page = HTMLRenderer.render(full, version: Self.hostile)
        #expect(!page.contains("<script") && page.contains("guestcap " + Self.escaped), "the version")
    }

    @Test("the fleet page: no string of the fleet report is written raw; host, guest, pool and path are escaped")
    func fleetPage() throws {
        let rendered = try Self.check(try Self.fullFleet()) { FleetHTMLRenderer.render($0) }
        #expect(rendered.contains("inputs.unreadable.0.path") && rendered.contains("inputs.journal"))
        #expect(rendered.contains { $0.hasPrefix("worst_hosts.") && $0.hasSuffix(".hostname") })
        #expect(rendered.contains { $0.hasPrefix("migration_matrix.") && $0.hasSuffix(".pool") })
        #expect(rendered.contains { $0.hasPrefix("migrated_guests.") && $0.hasSuffix(".name") })
    }

    /// Renders `document` once per string in its JSON, that string replaced with `hostile`;
    /// expects no page to hold the markup, and returns the paths of the strings that were on one.
    static func check<T: Codable>(_ document: T, render: (T) -> String) throws -> Set<String> {
        let json = try JSONSerialization.jsonObject(with: try ReportCoding.encoder().encode(document))
        let paths = strings(in: json, at: [])
        #expect(paths.count > 50, "the document has strings to replace")
        var rendered: Set<String> = []
        for path in paths {
            let changed = replacing(json, at: path[...], with: hostile)
            // Dates and enumerations do not decode from other text: those are not free text.
            guard
                let variant = try? ReportCoding.decoder().decode(
                    T.self, from: JSONSerialization.data(withJSONObject: changed))
            else { continue }
            let page = render(variant)
            let name = path.joined(separator: ".")
            #expect(!page.contains("<script"), "\(name) is written raw")
            if page.contains(escaped) { rendered.insert(name) }
        }
        return rendered
    }

    /// The paths (keys and array indices) of every string in a JSON value.
    static func strings(in json: Any, at path: [String]) -> [[String]] {
        switch json {
        case let object as [String: Any]:
            return object.keys.sorted().flatMap { strings(in: object[$0]!, at: path + [$0]) }
        case let array as [Any]:
            return array.indices.flatMap { strings(in: array[$0], at: path + [String($0)]) }
        case is String:
            return [path]
        default:
            return []
        }
    }

    /// `json` with the string at `path` replaced by `text`.
    static func replacing(_ json: Any, at path: ArraySlice<String>, with text: String) -> Any {
        guard let key = path.first else { return text }
        if var object = json as? [String: Any] {
            object[key] = replacing(object[key]!, at: path.dropFirst(), with: text)
            return object
        }
        var array = json as! [Any]
        array[Int(key)!] = replacing(array[Int(key)!], at: path.dropFirst(), with: text)
        return array
    }
}
