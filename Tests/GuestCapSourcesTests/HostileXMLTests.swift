import Foundation
import GuestCapCore
import Testing
@testable import GuestCapSources

/// XML an attacker or an accident can put in a libvirt folder: refused by the XML parser with
/// a message naming the file and the line, never expanded, never recursed into.
@Suite("Hostile XML")
struct HostileXMLTests {
    private let loader = GuestConfigLoader()

    /// The unreadable message without the leading `PATH: `.
    private func reason(_ relative: String) -> String? {
        let path = Fixture.path(relative)
        let outcome = loader.load(path: path).first
        guard let error = outcome?.error else { return nil }
        #expect(error.hasPrefix(path + ": "))
        if case .unreadable(_, let source, _) = outcome { #expect(source == .libvirt) }
        return String(error.dropFirst(path.count + 2))
    }

    @Test("a DTD with an internal entity is refused, not expanded")
    func dtd() {
        #expect(
            reason("hostile/dtd-entity.xml")
                == "cannot be parsed as XML: line 2: a DOCTYPE declaration is not allowed (DTDs and entities are refused as a defence against entity expansion)"
        )
    }

    @Test("an external entity (XXE) is refused: /etc/shadow is never read")
    func externalEntity() {
        #expect(
            reason("hostile/external-entity.xml")
                == "cannot be parsed as XML: line 2: a DOCTYPE declaration is not allowed (DTDs and entities are refused as a defence against entity expansion)"
        )
    }

    @Test("billion laughs is refused at the DTD, before any expansion")
    func billionLaughs() {
        #expect(
            reason("hostile/billion-laughs.xml")
                == "cannot be parsed as XML: line 2: a DOCTYPE declaration is not allowed (DTDs and entities are refused as a defence against entity expansion)"
        )
    }

    @Test("10,000-deep nesting is refused without exhausting the stack")
    func deep() {
        #expect(
            reason("hostile/deep.xml") == "cannot be parsed as XML: line 1: <a> is nested more than 64 elements deep")
    }

    @Test("a truncated document")
    func truncated() {
        #expect(
            reason("hostile/truncated.xml")
                == "cannot be parsed as XML: line 4: the document ends before <model> (opened on line 4) is closed")
    }

    @Test("bytes that are not UTF-8")
    func notUTF8() {
        #expect(
            reason("hostile/not-utf8.xml")
                == "cannot be parsed as XML: line 2: the bytes 0xE9 0x3C 0x2F 0x6E at byte offset 31 are not valid UTF-8"
        )
    }

    @Test("a duplicate feature is unreadable with libvirt's wording")
    func duplicate() {
        #expect(reason("hostile/duplicate-feature.xml") == "line 6: CPU feature 'mds-no' specified more than once")
    }

    @Test("a folder with a libvirt <network> next to domains: the network is skipped with its reason")
    func networkInFolder() throws {
        let dir = makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["network.xml", "db01.xml", "passthrough.xml"] {
            try FileManager.default.copyItem(atPath: Fixture.path("libvirt/" + name), toPath: dir + "/" + name)
        }
        try FileManager.default.copyItem(
            atPath: Fixture.path("hostile/duplicate-feature.xml"), toPath: dir + "/dup.xml")
        write("<domain><name>half", to: dir + "/db01.xml.new")  // libvirt's temporary: ignored
        let outcomes = loader.scan(directory: dir)
        #expect(
            outcomes.map(\.path) == ["db01.xml", "dup.xml", "network.xml", "passthrough.xml"].map { dir + "/" + $0 })
        #expect(outcomes[0].config?.name == "db01")
        #expect(outcomes[1].error == "\(dir)/dup.xml: line 6: CPU feature 'mds-no' specified more than once")
        #expect(outcomes[2].skipReason == "an XML document with root element <network>, not a libvirt domain")
        #expect(outcomes[3].config?.name == "batch07")
    }
}
