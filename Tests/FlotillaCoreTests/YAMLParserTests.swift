import Testing
import FlotillaYAML

@Suite("YAML parser")
struct YAMLParserTests {
    private func parse(_ text: String, limits: YAMLLimits = .init()) throws(YAMLError) -> YAMLNode {
        try YAMLParser.parse(text, file: "t.yml", limits: limits)
    }

    private func error(_ text: String, limits: YAMLLimits = .init()) -> YAMLError? {
        do { _ = try parse(text, limits: limits); return nil } catch { return error }
    }

    @Test func marksAreOneBasedForKeysAndValues() throws {
        let root = try parse("a: 1\nlist:\n  - x\n  - {k: v}\n")
        let pairs = try #require(root.mapping)
        #expect(pairs[0].key.mark == Mark(line: 1, column: 1))
        #expect(pairs[0].value.mark == Mark(line: 1, column: 4))
        #expect(pairs[1].key.mark == Mark(line: 2, column: 1))
        let items = try #require(pairs[1].value.sequence)
        #expect(items[0].mark == Mark(line: 3, column: 5))
        #expect(items[1].mark == Mark(line: 4, column: 5))
        #expect(items[1]["k"]?.mark == Mark(line: 4, column: 9))
    }

    @Test func scalarStylesDecideTypes() throws {
        let root = try parse("""
        a: true
        b: "true"
        c: 'yes'
        d: on
        e: 3.10
        f: 0x1F
        g: ~
        h: |
          line1
          line2
        i: >
          folded
          text
        j: !!str 12
        """)
        #expect(root["a"]?.scalar?.resolved == .bool(true))
        #expect(root["b"]?.scalar?.resolved == .string("true"))
        #expect(root["b"]?.scalar?.style == .doubleQuoted)
        #expect(root["c"]?.scalar?.style == .singleQuoted)
        // YAML 1.2 core schema, like GitHub: `on` and `yes` are strings.
        #expect(root["d"]?.scalar?.resolved == .string("on"))
        #expect(root["e"]?.scalar?.resolved == .double(3.1))
        #expect(root["f"]?.scalar?.resolved == .int(31))
        #expect(root["g"]?.scalar?.resolved == .null)
        #expect(root["h"]?.scalar == YAMLScalar(text: "line1\nline2\n", style: .literal))
        #expect(root["i"]?.scalar == YAMLScalar(text: "folded text\n", style: .folded))
        #expect(root["j"]?.scalar?.resolved == .string("12"))
    }

    @Test func emptyDocumentIsNull() throws {
        #expect(try parse("").scalar?.resolved == .null)
        #expect(try parse("# only a comment\n").scalar?.resolved == .null)
    }

    @Test func aliasesAreExpanded() throws {
        let root = try parse("base: &b {x: 1, y: [a, b]}\ncopy: *b\n")
        #expect(root["copy"]?.sameContent(as: try #require(root["base"])) == true)
        // The alias node points at the alias, not at the anchor.
        #expect(root["copy"]?.mark == Mark(line: 2, column: 7))
    }

    @Test func mergeKeysKeepExplicitKeysAndEarlierMaps() throws {
        let root = try parse("""
        a: &a {x: 1, y: 1}
        b: &b {y: 2, z: 2}
        one:
          <<: *a
          x: 9
        many:
          <<: [*a, *b]
          w: 0
        """)
        let one = try #require(root["one"])
        #expect(one["x"]?.scalar?.text == "9")
        #expect(one["y"]?.scalar?.text == "1")
        let many = try #require(root["many"])
        #expect(many.mapping?.map { $0.key.scalar?.text ?? "" } == ["x", "y", "z", "w"])
        #expect(many["y"]?.scalar?.text == "1")
        #expect(many["z"]?.scalar?.text == "2")
    }

    @Test func mergeOfScalarIsAnError() {
        let e = error("a: 1\nb:\n  <<: 5\n")
        #expect(e?.message.contains("merge key '<<' expects a mapping") == true)
        #expect(e.map { "\($0.line):\($0.column)" } == "3:7")
    }

    @Test func duplicateKeysNameBothPositions() {
        let e = error("jobs:\n  a: 1\n  b: 2\n  a: 3\n")
        #expect(e?.line == 4)
        #expect(e?.column == 3)
        #expect(e?.message == "duplicate key 'a': it is already defined at line 2, column 3")
    }

    @Test func billionLaughsIsBounded() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<10 {
            let refs = Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ")
            text += "a\(i): &a\(i) [\(refs)]\n"
        }
        let e = error(text)
        #expect(e?.message.contains("aliases expand to more than 10000 nodes") == true)
    }

    @Test func depthIsBounded() {
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        #expect(error(deep)?.message.contains("deeper than 64 levels") == true)
        #expect((try? parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60))) != nil)
    }

    @Test func sizeIsBounded() {
        let e = error(String(repeating: "a", count: 200), limits: YAMLLimits(maxBytes: 100))
        #expect(e?.message == "file is 200 bytes; the limit is 100 bytes")
    }

    @Test func unknownAliasIsAnError() {
        let e = error("a: *nope\n")
        #expect(e?.message.contains("alias '*nope'") == true)
        #expect(e.map { "\($0.line):\($0.column)" } == "1:4")
    }

    @Test func tabIndentationIsExplained() {
        let e = error("jobs:\n  build:\n\truns-on: x\n")
        #expect(e?.message == "tabs are not allowed for indentation; indent with spaces")
        #expect(e.map { "\($0.line):\($0.column)" } == "3:1")
    }

    @Test func unclosedQuotePointsAtTheOpeningQuote() {
        let e = error("a: 'open\nb: c\n")
        #expect(e?.message.contains("unclosed quoted string") == true)
        #expect(e.map { "\($0.line):\($0.column)" } == "1:4")
    }

    @Test func badIndentationNamesTheMapping() {
        let e = error("a:\n    b: 1\n  c: 2\n")
        #expect(e?.message.contains("line") == true)
        #expect(e?.line == 3)
    }

    @Test func textAfterAQuotedValueIsExplained() {
        let e = error("a: 'x'y\n")
        #expect(e?.message == "unexpected text after a value; quote the whole value or start a new line")
        #expect(e.map { "\($0.line):\($0.column)" } == "1:7")
        let d = error("jobs:\n  a:\n    runs-on: x\n   steps: y\n")
        #expect(d?.message == "bad indentation: expected a key aligned with the mapping that starts at line 2, column 3")
        #expect(d.map { "\($0.line):\($0.column)" } == "4:4")
        let colon = error("a: b: c\n")
        #expect(colon?.message.hasPrefix("unexpected ':'") == true)
    }

    @Test func secondDocumentIsRejected() {
        let e = error("a: 1\n---\nb: 2\n")
        #expect(e?.message.contains("second YAML document") == true)
        #expect(e?.line == 2)
    }

    @Test func errorDescriptionHasFileLineColumn() {
        let e = YAMLError(file: "ci.yml", line: 3, column: 7, message: "boom")
        #expect(e.description == "ci.yml:3:7: boom")
    }
}
