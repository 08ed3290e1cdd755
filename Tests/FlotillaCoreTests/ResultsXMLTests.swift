import Testing
import FlotillaCore
import TestSupport

/// The strict XML reader under the JUnit and Cobertura parsers.
@Suite("Results: XML reader")
struct ResultsXMLTests {
    @Test func elementsAttributesTextAndCDATA() throws {
        let root = try #require(xmlRoot("""
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <!-- leading comment -->
            <?stylesheet href="x.xsl"?>
            <a x="1" y='two'>
              hello <b/> <![CDATA[<raw> & ]]]]><c k="v">text</c><!-- inner --><?pi data?>
            </a>
            <!-- trailing -->

            """))
        #expect(root.name == "a")
        #expect(root.attributes == [XMLAttribute(name: "x", value: "1"), XMLAttribute(name: "y", value: "two")])
        #expect(root.elements.map(\.name) == ["b", "c"])
        #expect(root.elements(named: "c").first?.attribute("k") == "v")
        #expect(root.elements(named: "c").first?.text == "text")
        #expect(root.text == "\n  hello  <raw> & ]]\n")
        #expect(root.position == SourcePosition(line: 4, column: 1))
        #expect(root.elements[1].position == SourcePosition(line: 5, column: 36))
    }

    @Test func entitiesAndCharacterReferences() throws {
        let root = try #require(xmlRoot("<r a=\"&lt;&amp;&gt;&quot;&apos;&#65;&#x42;&#x1F600;\">&#169; &amp;amp; &#xe9;</r>"))
        #expect(root.attribute("a") == "<&>\"'AB😀")
        #expect(root.text == "© &amp; é")
    }

    @Test func lineEndsAndAttributeWhitespaceAreNormalized() throws {
        let root = try #require(xmlRoot("<r a=\"x\r\ny\tz\nw\" b=\"&#10;&#9;\">one\r\ntwo\rthree</r>"))
        #expect(root.attribute("a") == "x y z w")
        #expect(root.attribute("b") == "\n\t")
        #expect(root.text == "one\ntwo\nthree")
    }

    @Test func byteOrderMarkAndLatin1() throws {
        let bom = try XMLTree.parse([0xEF, 0xBB, 0xBF] + Array("<r>é</r>".utf8))
        #expect(bom.text == "é")
        let latin1 = Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r v=\"".utf8) + [0xE9] + Array("\">".utf8) + [0xFC] + Array("</r>".utf8)
        let root = try XMLTree.parse(latin1)
        #expect(root.attribute("v") == "é")
        #expect(root.text == "ü")
    }

    @Test func externalDoctypeIsSkippedWithoutReadingIt() throws {
        let root = try #require(xmlRoot("<?xml version=\"1.0\"?>\n<!DOCTYPE coverage SYSTEM \"http://cobertura.sourceforge.net/xml/coverage-04.dtd\">\n<coverage/>"))
        #expect(root.name == "coverage")
        #expect(xmlRoot("<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0//EN\" 'x.dtd'><html/>")?.name == "html")
        #expect(xmlRoot("<!DOCTYPE r><r/>")?.name == "r")
    }

    /// (input, line, column, message)
    static let malformed: [(String, Int, Int, String)] = [
        ("", 1, 1, "the document has no root element"),
        ("  <!-- only a comment -->\n", 2, 1, "the document has no root element"),
        ("<a><b></a>", 1, 7, "end tag </a> does not match <b> opened at 1:4"),
        ("<testsuite>\n  <testcase name=\"x\">", 2, 22, "unexpected end of the document: <testcase> (opened at 2:3) is not closed"),
        ("<a>\n</a><b/>", 2, 5, "a second root element <b>; a document has exactly one root element"),
        ("<a/>trailing", 1, 5, "text after the root element; only comments and processing instructions may appear there"),
        ("junk<a/>", 1, 1, "text before the root element; only comments and processing instructions may appear there"),
        ("<a x=1/>", 1, 6, "expected a quoted value for attribute 'x' in <a>"),
        ("<a x=\"1\" x=\"2\"/>", 1, 10, "attribute 'x' appears twice in <a>"),
        ("<a x=\"1\"y=\"2\"/>", 1, 9, "expected whitespace, '>' or '/>' after 'x' in <a>"),
        ("<a x=\"<\"/>", 1, 7, "'<' is not allowed in an attribute value; write &lt;"),
        ("<a x=\"1/>", 1, 6, "the value of attribute 'x' is not closed"),
        ("<a>AT&T</a>", 1, 6, "'&' must start a reference such as &amp; or &#38; (write a literal & as &amp;)"),
        ("<a>&nbsp;</a>", 1, 4, "undefined entity '&nbsp;'; only &amp; &lt; &gt; &quot; &apos; and character references such as &#160; are allowed"),
        ("<a>&#0;</a>", 1, 4, "character reference '&#0;' names a character XML does not allow"),
        ("<a>&#xD800;</a>", 1, 4, "character reference '&#xD800;' names a character XML does not allow"),
        ("<a>&#12a;</a>", 1, 4, "invalid character reference '&#12a;'"),
        ("<a>]]></a>", 1, 4, "']]>' is not allowed in text outside a CDATA section; write ]]&gt;"),
        ("<a><![CDATA[open</a>", 1, 4, "the CDATA section is not closed with ']]>'"),
        ("<a><!-- a -- b --></a>", 1, 11, "'--' is not allowed inside a comment"),
        ("<a><!-- open</a>", 1, 4, "the comment is not closed with '-->'"),
        ("<a><?pi open</a>", 1, 4, "the processing instruction <?pi is not closed with '?>'"),
        ("<a/>\n<?xml version=\"1.0\"?>", 2, 1, "the XML declaration '<?xml …?>' is only allowed at the very start of the document"),
        ("<?xml version=\"2.0\"?><a/>", 1, 16, "XML version '2.0' is not supported; expected 1.0"),
        ("<?xml encoding=\"UTF-8\"?><a/>", 1, 7, "the XML declaration must start with version=\"1.0\""),
        ("<a>< b/></a>", 1, 5, "expected an element name after '<'"),
        ("<a></ a>", 1, 6, "expected an element name after '</'"),
        ("<a><!ELEMENT a ANY></a>", 1, 4, "expected a comment '<!--' or CDATA '<![CDATA[' after '<!'"),
        ("<a>\u{1B}[31mred</a>", 1, 4, "control character U+001B is not allowed in XML"),
    ]

    @Test(arguments: ResultsXMLTests.malformed.indices)
    func malformedInputHasAPreciseError(_ index: Int) throws {
        let (input, line, column, message) = Self.malformed[index]
        let error = try #require(xmlError(input))
        #expect(error.kind == .malformed || error.kind == .unsupported)
        #expect(error.description == "\(line):\(column): \(message)", "input: \(input.debugDescription)")
    }

    @Test func internalSubsetAndEntityBombAreRefused() throws {
        let bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [
              <!ENTITY lol "lol">
              <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
            ]>
            <lolz>&lol3;</lolz>
            """
        let error = try #require(xmlError(bomb))
        #expect(error.kind == .unsupported)
        #expect(error.description == "2:16: a DOCTYPE with an internal subset ('[ … ]') is not allowed: DTD declarations and custom entities are refused")
        let external = try #require(xmlError("<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>"))
        #expect(external.kind == .unsupported)
        let late = try #require(xmlError("<r/><!DOCTYPE r>"))
        #expect(late.description == "1:5: a DOCTYPE is only allowed once, before the root element")
    }

    @Test func invalidUTF8AndUnsupportedEncodingsAreRefused() throws {
        let badByte = try #require(xmlError(Array("<a>\n  x".utf8) + [0xC3, 0x28] + Array("</a>".utf8)))
        #expect(badByte.description == "2:4: invalid UTF-8 sequence")
        let overlong = try #require(xmlError(Array("<a>".utf8) + [0xC0, 0xAF] + Array("</a>".utf8)))
        #expect(overlong.description == "1:4: invalid UTF-8 byte 0xC0")
        let truncated = try #require(xmlError(Array("<a>".utf8) + [0xE2, 0x82]))
        #expect(truncated.description == "1:4: truncated UTF-8 sequence at the end of the document")
        let utf16 = try #require(xmlError([0xFF, 0xFE, 0x3C, 0x00]))
        #expect(utf16.kind == .unsupported)
        let shiftJIS = try #require(xmlError("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a/>"))
        #expect(shiftJIS.description == "1:31: encoding 'Shift_JIS' is not supported; use UTF-8")
    }

    @Test func limitsAreEnforced() throws {
        let deep = String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300)
        let depth = try #require(xmlError(Array(deep.utf8)))
        #expect(depth.kind == .limitExceeded)
        #expect(depth.description == "1:769: elements nest deeper than 256 levels")

        let big = try #require(xmlError(Array("<a>0123456789</a>".utf8), limits: XMLLimits(maxBytes: 10)))
        #expect(big.kind == .tooLarge && big.position == nil)
        #expect(big.message == "the document is 17 bytes; the limit is 10 bytes")

        let attributes = "<a " + (0..<5).map { "a\($0)=\"\"" }.joined(separator: " ") + "/>"
        let many = try #require(xmlError(Array(attributes.utf8), limits: XMLLimits(maxAttributes: 4)))
        #expect(many.description == "1:28: <a> has more than 4 attributes")

        let nodes = try #require(xmlError(Array("<a><b/><b/><b/></a>".utf8), limits: XMLLimits(maxNodes: 3)))
        #expect(nodes.description == "1:12: the document has more than 3 nodes")
    }

    @Test func pullParserStreamsEvents() throws {
        var parser = try XMLPullParser(bytes: Array("<a k=\"v\">x<b/>y</a>".utf8))
        var events: [XMLPullParser.Event] = []
        while let event = try parser.next() { events.append(event) }
        #expect(events == [
            .startElement(name: "a", attributes: [XMLAttribute(name: "k", value: "v")], position: SourcePosition(line: 1, column: 1)),
            .text("x", position: SourcePosition(line: 1, column: 10)),
            .startElement(name: "b", attributes: [], position: SourcePosition(line: 1, column: 11)),
            .endElement(name: "b"),
            .text("y", position: SourcePosition(line: 1, column: 15)),
            .endElement(name: "a"),
        ])
        #expect(try parser.next() == nil)
    }

    /// Random bytes, and random mutations of a valid document, never crash the reader: each
    /// input yields a tree or a positioned error.
    @Test func randomBytesNeverCrash() {
        var rng = SplitMix64(seed: 0x584D_4C21)
        let seed = Array("<?xml version=\"1.0\"?><testsuite name=\"s\"><testcase name=\"t\" time=\"1\"><failure message=\"m\">&lt;x&gt;<![CDATA[y]]></failure></testcase><!-- c --></testsuite>".utf8)
        let alphabet = Array("<>/?!-[]&;#x\"'= abcCDATA\n".utf8)
        var parsed = 0, refused = 0
        for round in 0..<3000 {
            var input: [UInt8]
            if round % 2 == 0 {
                input = rng.bytes(Int(rng.next() % 200))
            } else {
                input = seed
                for _ in 0..<(1 + rng.next() % 6) {
                    let at = Int(rng.next() % UInt64(input.count + 1))
                    switch rng.next() % 3 {
                    case 0 where at < input.count: input.remove(at: at)
                    case 1: input.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
                    default: if at < input.count { input[at] = UInt8(truncatingIfNeeded: rng.next()) }
                    }
                }
            }
            do {
                _ = try XMLTree.parse(input)
                parsed += 1
            } catch {
                refused += 1
                #expect(!error.message.isEmpty)
                if error.kind != .tooLarge { #expect(error.position != nil) }
            }
        }
        #expect(parsed + refused == 3000)
        #expect(refused > 1500)
    }
}
