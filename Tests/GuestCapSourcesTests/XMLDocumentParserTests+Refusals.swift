import Testing

@testable import GuestCapSources

/// Documents the parser refuses, and the error it names for each.
extension XMLDocumentParserTests {
    // MARK: Refusals

    @Test("a DOCTYPE with an internal subset is refused")
    func doctypeInternalSubset() {
        let error = failure("<?xml version=\"1.0\"?>\n<!DOCTYPE domain [\n  <!ELEMENT domain ANY>\n]>\n<domain/>")
        #expect(error?.kind == .doctype)
        #expect(error?.line == 2)
        let reason =
            "a DOCTYPE declaration is not allowed (DTDs and entities are refused as a defence against entity expansion)"
        #expect(error?.reason == reason)
        #expect(error?.description == "line 2: " + reason)
    }

    @Test("a missing '=' or '>' is malformed where a byte follows, truncated where the input ends")
    func missingDelimiters() {
        let noEquals = failure("<a>\n<b c></b></a>")
        #expect(noEquals?.kind == .malformed && noEquals?.line == 2)
        #expect(noEquals?.reason == "the attribute 'c' of <b> has no '=' and value")
        let endsAfterName = failure("<a>\n<b c")
        #expect(endsAfterName?.kind == .truncated)
        #expect(endsAfterName?.reason.hasPrefix("the document ends inside the start tag of <b> on line 2") == true)
        let endTag = failure("<a></a x>")
        #expect(endTag?.kind == .malformed)
        #expect(endTag?.reason.hasPrefix("expected '>' in the end tag </a>, found ") == true)
        let endTagCut = failure("<a></a")
        #expect(endTagCut?.kind == .truncated)
        #expect(endTagCut?.reason.hasPrefix("the document ends inside the end tag </a>") == true)
        let declaration = failure("<?xml version \"1.0\"?>\n<a/>")
        #expect(declaration?.kind == .malformed)
        #expect(declaration?.reason == "expected '=' after 'version' in the XML declaration")
    }

    @Test("a value after '=' must be quoted: each place names its own pair, and input ending there is truncated")
    func unquotedValues() {
        let attribute = failure("<a>\n<b c = d/></a>")
        #expect(attribute?.kind == .malformed && attribute?.line == 2)
        #expect(attribute?.reason == "the value of attribute 'c' of <b> must be in quotes, found 'd'")
        let declaration = failure("<?xml version=1.0?>\n<a/>")
        #expect(declaration?.kind == .malformed && declaration?.line == 1)
        #expect(declaration?.reason == "the value of 'version' in the XML declaration must be in quotes")
        let attributeCut = failure("<a>\n<b c = ")
        #expect(attributeCut?.kind == .truncated)
        #expect(attributeCut?.reason.hasPrefix("the document ends inside the start tag of <b> on line 2") == true)
        let declarationCut = failure("<?xml version= ")
        #expect(declarationCut?.kind == .truncated)
        #expect(declarationCut?.reason == "the document ends inside the XML declaration")
    }

    @Test("an external entity is refused with its DOCTYPE")
    func externalEntity() {
        let error = failure("<!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<d>&x;</d>")
        #expect(error?.kind == .doctype)
        #expect(error?.line == 1)
    }

    @Test("billion laughs is refused before any expansion")
    func billionLaughs() {
        var document = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        for level in 1...9 {
            let previous = level == 1 ? "lol" : "lol\(level - 1)"
            document += " <!ENTITY lol\(level) \"" + String(repeating: "&\(previous);", count: 10) + "\">\n"
        }
        document += "]>\n<lolz>&lol9;</lolz>\n"
        let error = failure(document)
        #expect(error?.kind == .doctype)
        #expect(error?.line == 2)
    }

    @Test("DTD markup is refused inside the root element and in any case")
    func doctypeElsewhere() {
        let inside = failure("<a>\n<!DOCTYPE a>\n</a>")
        #expect(inside?.kind == .doctype)
        #expect(inside?.line == 2)
        #expect(failure("<!doctype html><a/>")?.kind == .doctype)
        let entity = failure("<a>\n\n<!ENTITY x \"y\"></a>")
        #expect(entity?.kind == .doctype)
        #expect(entity?.line == 3)
        #expect(entity?.reason.contains("<!ENTITY") == true)
    }

    @Test("an undefined entity is refused, named")
    func unknownEntity() {
        let error = failure("<a>\n  &foo;\n</a>")
        #expect(error?.kind == .entity)
        #expect(error?.line == 2)
        #expect(error?.reason.contains("'&foo;' is not defined") == true)
        let inAttribute = failure("<a\n b='x &nbsp; y'/>")
        #expect(inAttribute?.kind == .entity)
        #expect(inAttribute?.line == 2)
        #expect(inAttribute?.reason.contains("&nbsp;") == true)
    }

    @Test("character references must name XML characters")
    func badCharacterReferences() {
        for reference in ["&#0;", "&#x1;", "&#xD800;", "&#xFFFE;", "&#x110000;", "&#99999999999999999999;"] {
            let error = failure("<a>\(reference)</a>")
            #expect(error?.kind == .entity, "\(reference)")
            #expect(error?.line == 1)
        }
        for reference in ["&#;", "&#x;", "&#12", "&#xZZ;"] {
            #expect(failure("<a>\(reference)</a>")?.kind == .malformed, "\(reference)")
        }
    }

    @Test("a bare ampersand is malformed")
    func bareAmpersand() {
        let error = failure("<a>\nfish & chips</a>")
        #expect(error?.kind == .malformed)
        #expect(error?.line == 2)
        #expect(error?.reason.contains("&amp;") == true)
        #expect(failure("<a>&lt</a>")?.kind == .malformed)
        #expect(failure("<a b='&'/>")?.kind == .malformed)
    }

    @Test("10,000 levels of nesting stop at the depth limit without exhausting the stack")
    func deepNesting() {
        let depth = 10_000
        let error = failure(String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth))
        #expect(error?.kind == .tooDeep)
        #expect(error?.line == 1)
        #expect(error?.reason == "<a> is nested more than 64 elements deep")
        let raised = failure(String(repeating: "<a>\n", count: depth), limits: XMLLimits(maxDepth: 1_000_000))
        #expect(raised?.kind == .tooDeep)
        #expect(raised?.line == 4097)
    }

    @Test("mismatched tags name both tags and the open tag's line")
    func mismatchedTags() {
        let error = failure("<domain>\n  <devices>\n  </domain>\n</devices>")
        #expect(error?.kind == .malformed)
        #expect(error?.line == 3)
        #expect(
            error?.reason == "the end tag </domain> does not match the start tag <devices> opened on line 2"
        )
        #expect(failure("</a>")?.kind == .malformed)
    }

    @Test("a duplicate attribute is refused, named")
    func duplicateAttribute() {
        let error = failure("<cpu>\n  <feature policy='force' name='a' policy='require'/>\n</cpu>")
        #expect(error?.kind == .duplicateAttribute)
        #expect(error?.line == 2)
        #expect(error?.reason == "the attribute 'policy' appears more than once on <feature>")
        // Past the linear scan, a set takes over.
        let many = (0..<100).map { "a\($0)='\($0)'" }.joined(separator: " ")
        let late = failure("<e \(many) a17='again'/>")
        #expect(late?.kind == .duplicateAttribute)
        #expect(late?.reason.contains("'a17'") == true)
        #expect((try? parse("<e \(many)/>"))?.attributes.count == 100)
    }

    @Test("an unquoted attribute value is malformed")
    func unquotedAttribute() {
        let error = failure("<domain>\n<vcpu placement=static>4</vcpu></domain>")
        #expect(error?.kind == .malformed)
        #expect(error?.line == 2)
        #expect(error?.reason.contains("'placement'") == true)
        #expect(error?.reason.contains("quotes") == true)
        #expect(failure("<a b/>")?.kind == .malformed)
        #expect(failure("<a b='1'c='2'/>")?.kind == .malformed)
        #expect(failure("<a b='<'/>")?.kind == .malformed)
    }

    @Test("a truncated file names the element left open")
    func truncated() {
        let lines = domainXML.split(separator: "\n", omittingEmptySubsequences: false)
        let cut = lines.prefix(30).joined(separator: "\n") + "\n"
        let error = failure(cut)
        #expect(error?.kind == .truncated)
        #expect(error?.line == 31)
        #expect(error?.reason == "the document ends before <disk> (opened on line 29) is closed")

        let inTag = failure("<a>\n<b c='1'")
        #expect(inTag?.kind == .truncated)
        #expect(inTag?.line == 2)
        #expect(inTag?.reason.contains("start tag of <b>") == true)
        #expect(inTag?.reason.contains("<a> (opened on line 1)") == true)

        let inComment = failure("<a>\n<!-- never\nclosed")
        #expect(inComment?.kind == .truncated)
        #expect(inComment?.line == 3)
        #expect(inComment?.reason.contains("comment opened on line 2") == true)

        let prefixes = [
            "<a b='x", "<a b=", "<a", "<", "<a></", "<a></a", "<a><!", "<a><!-", "<a><![CDATA[x", "<a><?pi", "<a><?pi?",
            "<?xml", "<?xml version='1.0'", "<a>&am", "<a>&#x4",
        ]
        for prefix in prefixes {
            #expect(failure(prefix)?.kind == .truncated, "\(prefix)")
        }
    }

    @Test("bytes that are not UTF-8 are refused with their line")
    func notUTF8() {
        let latin1 = Array("<a>\ncaf".utf8) + [0xE9] + Array("</a>".utf8)
        let error = failure(latin1)
        #expect(error?.kind == .notUTF8)
        #expect(error?.line == 2)
        #expect(error?.reason.contains("0xE9") == true)
        let invalid: [[UInt8]] = [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xE2, 0x82]]
        for sequence in invalid {
            #expect(failure(Array("<a>".utf8) + sequence + Array("</a>".utf8))?.kind == .notUTF8, "\(sequence)")
        }
        #expect(failure([0x3C, 0x61, 0x3E, 0xE2]).map(\.kind) == .notUTF8)
    }

    @Test("UTF-16 and UTF-32 are refused with a clear reason")
    func otherEncodings() {
        let littleEndian: [UInt8] = [0xFF, 0xFE] + "<a/>".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let error = failure(littleEndian)
        #expect(error?.kind == .notUTF8)
        #expect(error?.line == 1)
        #expect(
            error?.reason == "the document is encoded in UTF-16 (little-endian byte order mark); only UTF-8 is accepted"
        )
        let bigEndian: [UInt8] = [0xFE, 0xFF] + "<a/>".utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        #expect(failure(bigEndian)?.reason.contains("UTF-16") == true)
        let noMark: [UInt8] = "<a/>".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(failure(noMark)?.kind == .notUTF8)
        #expect(failure([0xFF, 0xFE, 0, 0, 0x3C, 0, 0, 0])?.reason.contains("UTF-32") == true)
        let declared = failure("<?xml version='1.0' encoding='ISO-8859-1'?>\n<a/>")
        #expect(declared?.kind == .notUTF8)
        #expect(declared?.reason.contains("ISO-8859-1") == true)
        #expect((try? parse("<?xml version='1.0' encoding='utf-8'?><a/>"))?.name == "a")
    }

    @Test("content after the root element is malformed")
    func contentAfterRoot() {
        let second = failure("<domain/>\n<domain/>")
        #expect(second?.kind == .malformed)
        #expect(second?.line == 2)
        #expect(second?.reason.contains("only one root element") == true)
        let text = failure("<domain></domain>\n\ntrailing")
        #expect(text?.kind == .malformed)
        #expect(text?.line == 3)
        #expect(failure("text<a/>")?.kind == .malformed)
        #expect(failure("<a/><![CDATA[x]]>")?.kind == .malformed)
        #expect(failure("<a/>\n</a>")?.kind == .malformed)
    }

    @Test("an empty or whitespace-only document is empty")
    func empty() {
        let nothing = XMLParseError(kind: .empty, line: 1, reason: "the document is empty or only whitespace")
        #expect(failure([UInt8]()) == nothing)
        #expect(failure(" \n\t\r\n ")?.kind == .empty)
        #expect(failure([0xEF, 0xBB, 0xBF])?.kind == .empty)
        let commentOnly = failure("<!-- nothing -->\n")
        #expect(commentOnly?.kind == .empty)
        #expect(commentOnly?.reason == "the document has no root element")
    }

    @Test("limits on size, elements and attributes are enforced")
    func limits() {
        let large = failure(domainXML, limits: XMLLimits(maxBytes: 100))
        #expect(large?.kind == .tooLarge)
        #expect(large?.reason.contains("limit of 100 bytes") == true)
        let elements = failure("<a>\n<b/>\n<c/>\n<d/></a>", limits: XMLLimits(maxElements: 3))
        #expect(elements?.kind == .tooManyElements)
        #expect(elements?.line == 4)
        let attributes = failure("<a>\n<b x='1' y='2' z='3'/></a>", limits: XMLLimits(maxAttributesPerElement: 2))
        #expect(attributes?.kind == .tooManyAttributes)
        #expect(attributes?.line == 2)
        #expect(attributes?.reason == "<b> has more than 2 attributes")
    }

    @Test("other well-formedness errors are malformed")
    func otherMalformed() {
        let cases = [
            "<a>\u{1}</a>", "<a>\u{FFFE}</a>", "<a><!-- x -- y --></a>", "<a>]]></a>", "<1a/>", "<a></ b>",
            "<a/ >", "<a b='1' / >", "<a><!X></a>", "<?xml version='1.0'?><?xml version='1.0'?><a/>",
            "<a>\n<?xml version='1.0'?></a>", "<a b='1'\u{0}/>",
        ]
        for text in cases {
            #expect(failure(text)?.kind == .malformed, "\(text)")
        }
        let control = failure("<a>\n\n\u{7}</a>")
        #expect(control?.line == 3)
        #expect(control?.reason == "the control character U+0007 is not allowed in XML")
    }

    @Test("errors compare equal by kind, line and reason")
    func errorEquality() {
        let first = failure("<a><b></a>")
        let second = failure("<a><b></a>")
        #expect(first != nil && first == second)
        #expect(first != failure("<a><c></a>"))
    }
}
