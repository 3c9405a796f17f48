import Foundation
import Testing

@testable import GuestCapSources

/// The parser with a selection: the same documents refused with the same errors as a full
/// parse, and the same selected elements built.
@Suite("XMLDocumentParser with a selection")
struct XMLElementSelectionTests {
    /// What the libvirt parser keeps.
    private let libvirt = LibvirtDomainParser.selection

    /// The outcome of a parse as text: the error, or the kept parts of the tree.
    private func outcome(_ bytes: [UInt8], _ selection: XMLElementSelection) -> String {
        do {
            let root = try XMLDocumentParser.parse(bytes, keeping: selection)
            return "root " + Self.dump(root, depth: 0, maxDepth: 0) + "\n" + Self.libvirtParts(root)
        } catch {
            return "error \(error.kind) \(error)"
        }
    }

    /// The parts of a libvirt document its parser reads: name, uuid and cpu of the domain.
    private static func libvirtParts(_ root: XMLElement) -> String {
        let domain = root.name == "domstatus" ? root.child("domain") : root.name == "domain" ? root : nil
        guard let domain else { return "not a domain" }
        return ["name", "uuid", "cpu"].map { name in
            domain.child(name).map { dump($0, depth: 0, maxDepth: .max) } ?? "no \(name)"
        }.joined(separator: "\n")
    }

    /// An element as text: name, line, attributes, text and (to `maxDepth`) children.
    private static func dump(_ element: XMLElement, depth: Int, maxDepth: Int) -> String {
        let indent = String(repeating: "  ", count: depth)
        var out = "\(indent)<\(element.name)> line \(element.line)"
        for attribute in element.attributes { out += " \(attribute.name)=\(attribute.value.debugDescription)" }
        out += " text \(element.text.debugDescription)"
        guard depth < maxDepth else { return out }
        for child in element.children { out += "\n" + dump(child, depth: depth + 1, maxDepth: maxDepth) }
        return out
    }

    /// Expects the full and the libvirt parse to agree on `bytes`.
    private func expectSame(_ bytes: [UInt8], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let full = outcome(bytes, .everything)
        let pruned = outcome(bytes, libvirt)
        #expect(full == pruned, "\(label)", sourceLocation: sourceLocation)
    }

    private static func fixtures(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Fixture.path(folder))
            .filter { $0.hasSuffix(".xml") }.sorted().map { folder + "/" + $0 }
    }

    // MARK: Same refusals, same parts

    @Test("hostile and libvirt fixtures: same errors, same name, uuid and cpu")
    func fixtureFiles() throws {
        let files = try Self.fixtures("hostile") + Self.fixtures("libvirt") + Self.fixtures("libvirt-real")
        #expect(files.count > 15)
        for file in files {
            expectSame(Fixture.bytes(file), file)
        }
    }

    /// Documents broken inside a subtree the libvirt parser does not keep.
    private static let brokenInside: [String] = [
        "<a>\u{1}</a>", "<a>\u{FFFE}</a>", "<a><!-- x -- y --></a>", "<a>]]></a>", "<1a/>", "<a></ b>",
        "<a/ >", "<a b='1' / >", "<a><!X></a>", "<?xml version='1.0'?>", "<a b='1'\u{0}/>",
        "<!DOCTYPE a>", "<!ENTITY x 'y'>", "<!doctype a>", "<a>&lol;</a>", "<a b='&lol;'/>", "<a>&#0;</a>",
        "<a b='&#xD800;'/>", "<a>& </a>", "<a b='&amp'/>", "<a>&#x41</a>", "<a>", "</a>", "<a></b>",
        "<a b='1' b='2'/>", "<a b='1' b=\"1\"/>", "<a é='1' e\u{301}='2'/>", "<a é='1' é='2'/>",
        "<a b=1/>", "<a b='<'/>", "<a b='1'c='2'/>", "<a b/>", "<a =''/>", "<a><![CDATA[x]]></a>",
        "<a><![CDATA[x</a>", "<a><!-- x</a>", "<a><?pi x</a>", "<a><?xml x?></a>", "<a><?pi?></a>",
        "<a>\r\n&lt;\r&#10;]</a>", "<a b='\r\n\t&quot;'/>", "<a>x]]y</a>", "<a>\u{85}\u{2028}</a>",
        "<données clé='☃'>日本語</données>", "<a\u{301}/>", "<a>\u{7}</a>",
        "<e " + (0..<100).map { "a\($0)='\($0)'" }.joined(separator: " ") + " a17='again'/>",
        "<e " + (0..<100).map { "a\($0)='\($0)'" }.joined(separator: " ") + "/>",
        "<e " + (0..<300).map { "a\($0)='\($0)'" }.joined(separator: " ") + "/>",
        String(repeating: "<x>", count: 70) + String(repeating: "</x>", count: 70),
    ]

    @Test("broken subtrees the libvirt parser does not keep are refused alike, wherever they are")
    func brokenSubtrees() {
        let places: [(String, String)] = [
            ("<domain>\n<devices>\n", "\n</devices>\n</domain>"),
            ("<domain>\n<metadata><nova:x xmlns:nova='n'>", "</nova:x></metadata>\n</domain>"),
            ("<domain>\n<name>n</name>\n", "\n<cpu mode='host-model'/></domain>"),
            ("<domstatus pid='1'>\n<domain><uuid>u</uuid>\n", "\n</domain></domstatus>"),
            ("<domstatus pid='1'>\n", "\n<domain><cpu/></domain></domstatus>"),
            ("<domain>\n<cpu>\n", "\n</cpu></domain>"),
            ("<network>\n", "\n</network>"),
            ("", ""),
        ]
        for (before, after) in places {
            for inner in Self.brokenInside {
                expectSame(Array((before + inner + after).utf8), before + inner + after)
            }
        }
    }

    @Test("errors inside skipped subtrees are the full parse's, line and wording included")
    func sameWording() throws {
        let text =
            "<domain>\n<devices>\n<disk type='file'>\n<source file='a' file='b'/>\n</disk>\n</devices>\n</domain>"
        let expected = "line 4: the attribute 'file' appears more than once on <source>"
        #expect(throws: XMLParseError.self) { try XMLDocumentParser.parse(Array(text.utf8), keeping: libvirt) }
        do {
            _ = try XMLDocumentParser.parse(Array(text.utf8), keeping: libvirt)
        } catch {
            #expect(error.description == expected)
        }
        let unclosed = "<domain>\n<devices>\n<disk>\n</devices>\n</domain>"
        do {
            _ = try XMLDocumentParser.parse(Array(unclosed.utf8), keeping: libvirt)
            Issue.record("an unclosed <disk> inside <devices> was accepted")
        } catch {
            #expect(
                error.description
                    == "line 4: the end tag </devices> does not match the start tag <disk> opened on line 3")
        }
    }

    @Test("prefixes of a domain and a domstatus are refused alike")
    func prefixes() throws {
        let persistent = Fixture.bytes("libvirt-real/gc-force-mds.persistent.xml")
        for length in 0..<persistent.count {
            expectSame(Array(persistent[..<length]), "persistent prefix of \(length) bytes")
        }
        let live = Fixture.bytes("libvirt-real/gc-force-mds.live.xml")
        for length in stride(from: 0, to: live.count, by: 7) {
            expectSame(Array(live[..<length]), "live prefix of \(length) bytes")
        }
    }

    @Test("random mutations of real libvirt files give the same outcome")
    func mutations() throws {
        var mutator = ByteMutator(seed: 0x7072_756E_6564)
        let originals = try (Self.fixtures("libvirt") + Self.fixtures("libvirt-real")).map(Fixture.bytes)
        for round in 0..<4_000 {
            let bytes = mutator.mutated(originals[round % originals.count], edits: 1...4)
            expectSame(bytes, "mutation \(round): \(String(decoding: bytes, as: UTF8.self))")
        }
    }

    // MARK: What is kept

    @Test("only selected elements and their ancestors are built")
    func keptElements() throws {
        let text = """
            <domain type='kvm'> <name>vm</name><devices><disk><source file='x'/></disk></devices>
            <cpu mode='custom'><model>Skylake</model><feature name='mds-no'><x/></feature></cpu>
            <uuid>U<b/></uuid><metadata>m</metadata></domain>
            """
        let root = try XMLDocumentParser.parse(Array(text.utf8), keeping: libvirt)
        #expect(root.name == "domain")
        #expect(root.attribute("type") == "kvm")
        #expect(root.children.map(\.name) == ["name", "cpu", "uuid"])
        #expect(root.text == " \n\n")
        #expect(root.child("cpu")?.children.map(\.name) == ["model", "feature"])
        #expect(root.child("cpu")?.child("feature")?.children.map(\.name) == ["x"])
        #expect(root.child("cpu")?.line == 2)
        #expect(root.child("uuid")?.children.isEmpty == true)
        #expect(root.child("uuid")?.text == "U")
    }

    @Test("the root is always built, even when no path names it")
    func unnamedRoot() throws {
        let root = try XMLDocumentParser.parse(Array("<network a='1'>t<name>x</name></network>".utf8), keeping: libvirt)
        #expect(root.name == "network")
        #expect(root.attribute("a") == "1")
        #expect(root.text == "t")
        #expect(root.children.isEmpty)
    }

    @Test("everything and no paths")
    func everythingAndNothing() throws {
        let text = Array("<a x='1'><b><c/></b>t</a>".utf8)
        let all = try XMLDocumentParser.parse(text, keeping: .everything)
        #expect(all.child("b")?.child("c") != nil)
        let viaStars = try XMLDocumentParser.parse(text, keeping: XMLElementSelection(paths: ["a/**"]))
        #expect(viaStars.child("b")?.child("c") != nil)
        let none = try XMLDocumentParser.parse(text, keeping: XMLElementSelection(paths: []))
        #expect(none.name == "a" && none.children.isEmpty && none.text == "t")
        let path = try XMLDocumentParser.parse(text, keeping: XMLElementSelection(paths: ["a/b"]))
        #expect(path.child("b")?.children.isEmpty == true)
    }
}
