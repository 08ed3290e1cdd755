import Testing
import FlotillaCore

/// Cobertura and lcov coverage, merging across shards, and broken files.
@Suite("Results: coverage")
struct ResultsCoverageTests {
    @Test func coberturaFromCoveragePy() throws {
        let report = try CoberturaParser.parse(ResultFixtures.bytes("cobertura-coveragepy.xml"))
        #expect(report.linesCovered == 18 && report.linesValid == 25)
        #expect(report.percent == 72)
        #expect(report.files.map(\.path) == ["app/__init__.py", "app/billing.py", "app/util.py"])
        #expect(report.files.map(\.linesCovered) == [2, 9, 7])
        #expect(report.files[1].lines[9] == 12)
    }

    @Test func coberturaWithExternalDoctypeAndNoTotalsCountsClassLines() throws {
        // Cobertura's own output names its DTD and has no lines-covered/lines-valid; the
        // <methods> copy of line 12 is not counted twice, and inner classes share the file.
        let report = try CoberturaParser.parse(ResultFixtures.bytes("cobertura-java.xml"))
        #expect(report.linesCovered == 4 && report.linesValid == 6)
        #expect(report.files == [FileCoverage(path: "com/example/shop/Cart.java", lines: [12: 3, 13: 3, 17: 1, 18: 0, 30: 2, 31: 0])])
    }

    @Test func coberturaFromGcovrWithoutTotals() throws {
        let report = try CoverageParser.parse(ResultFixtures.bytes("cobertura-gcovr-lines-only.xml"))
        #expect(report.linesCovered == 3 && report.linesValid == 4)
        #expect(report.percent == 75)
    }

    @Test func lcovFromGcov() throws {
        let report = try LcovParser.parse(ResultFixtures.bytes("lcov-gcov.info"))
        #expect(report.linesCovered == 7 && report.linesValid == 10)
        #expect(report.files.map(\.path) == ["/home/ci/ring/src/main.c", "/home/ci/ring/src/ring.c"])
        #expect(report.files[1].lines == [3: 4, 4: 4, 5: 0, 7: 4, 12: 0, 13: 0])
    }

    @Test func lcovFromLLVMCovThroughTheSniffingParser() throws {
        let report = try CoverageParser.parse(ResultFixtures.bytes("lcov-llvm-cov.info"))
        #expect(report.linesCovered == 5 && report.linesValid == 8)
        #expect(report.percent == 62.5)
    }

    @Test func lcovSummaryOnlyRecordsAndRepeatedFiles() throws {
        let report = try LcovParser.parse(Array("TN:unit\r\nSF:a.c\r\nDA:1,1\r\nend_of_record\r\nTN:integration\r\nSF:a.c\r\nDA:1,0\r\nDA:2,5\r\nend_of_record\r\nSF:b.c\r\nLF:10\r\nLH:4\r\nend_of_record\r\n".utf8))
        // a.c is merged over both test names (2 of 2); b.c only has a summary (4 of 10).
        #expect(report.linesCovered == 6 && report.linesValid == 12)
        #expect(report.files.isEmpty)
    }

    @Test func shardsCoveringDifferentLinesMergeToTheirUnion() throws {
        let shard1 = try LcovParser.parse(Array("SF:src/a.c\nDA:1,1\nDA:2,0\nDA:3,0\nend_of_record\n".utf8))
        let shard2 = try LcovParser.parse(Array("SF:src/a.c\nDA:1,0\nDA:2,7\nDA:3,0\nend_of_record\nSF:src/b.c\nDA:1,1\nend_of_record\n".utf8))
        let merged = CoverageReport.merged([shard1, shard2])
        #expect(merged.linesCovered == 3 && merged.linesValid == 4)
        #expect(merged.files.map(\.path) == ["src/a.c", "src/b.c"])
        // Without per-line data the totals are summed.
        let summed = CoverageReport.merged([shard1, CoverageReport(linesCovered: 5, linesValid: 10)])
        #expect(summed.linesCovered == 6 && summed.linesValid == 13)
        #expect(summed.files.isEmpty)
        #expect(CoverageReport(linesCovered: 0, linesValid: 0).percent == 100)
    }

    static let brokenCobertura: [(String, ResultParseError.Kind, String)] = [
        ("<report/>", .invalid, "cobertura: 1:1: expected <coverage> as the root element, found <report>"),
        ("<coverage lines-covered=\"ten\" lines-valid=\"20\"/>", .invalid,
         "cobertura: 1:1: <coverage> lines-covered 'ten' is not a whole number of at least 0"),
        ("<coverage lines-covered=\"30\" lines-valid=\"20\"/>", .invalid,
         "cobertura: 1:1: <coverage> lines-covered (30) is larger than lines-valid (20)"),
        ("<coverage lines-covered=\"3\"/>", .invalid, "cobertura: 1:1: <coverage> has lines-covered without lines-valid"),
        ("<coverage line-rate=\"1.5\" lines-covered=\"1\" lines-valid=\"1\"/>", .invalid,
         "cobertura: 1:1: <coverage> line-rate '1.5' is not a number between 0 and 1"),
        ("<coverage line-rate=\"0.5\"/>", .invalid,
         "cobertura: 1:1: no line counts: <coverage> has no lines-covered/lines-valid and no <class> has <line> elements"),
        ("<coverage>\n<packages><package><classes><class filename=\"a.py\"><lines>\n  <line number=\"1\" hits=\"-2\"/>", .invalid,
         "cobertura: 3:3: <line> hits '-2' is not a whole number of at least 0"),
        ("<coverage><packages><package><classes><class name=\"x\"><lines/></class></classes></package></packages></coverage>", .invalid,
         "cobertura: 1:39: <class> has no 'filename' attribute"),
        ("<coverage lines-covered=\"1\" lines-valid=\"2\">", .malformed,
         "cobertura: 1:45: unexpected end of the document: <coverage> (opened at 1:1) is not closed"),
    ]

    @Test(arguments: ResultsCoverageTests.brokenCobertura.indices)
    func brokenCoberturaFile(_ index: Int) throws {
        let (input, kind, description) = Self.brokenCobertura[index]
        let error = try #require(resultError(.cobertura, input))
        #expect(error.kind == kind)
        #expect(error.description == description)
    }

    static let brokenLcov: [(String, ResultParseError.Kind, String)] = [
        ("", .invalid, "lcov: no coverage records (SF:<path> … end_of_record) in the file"),
        ("TN:\n\n", .invalid, "lcov: no coverage records (SF:<path> … end_of_record) in the file"),
        ("DA:1,1\n", .malformed, "lcov: 1:1: DA: outside a record; expected SF:<path> first"),
        ("SF:a.c\nDA:1,1\nDA:2,0\n", .malformed, "lcov: 1:1: the record for 'a.c' is not closed with end_of_record; the file may be truncated"),
        ("SF:a.c\nDA:x,1\nend_of_record\n", .invalid, "lcov: 2:1: line number 'x' is not a whole number of at least 0"),
        ("SF:a.c\nDA:3,-1\nend_of_record\n", .invalid, "lcov: 2:1: hit count '-1' is not a whole number of at least 0"),
        ("SF:a.c\nDA:3\nend_of_record\n", .invalid, "lcov: 2:1: DA:3 is not DA:<line>,<hits>"),
        ("SF:a.c\nLF:2\nLH:3\nend_of_record\n", .invalid, "lcov: 4:1: LH (3) is larger than LF (2) for 'a.c'"),
        ("SF:a.c\nSF:b.c\n", .malformed, "lcov: 2:1: SF:b.c starts before the record for 'a.c' (line 1) ended with end_of_record"),
        ("end_of_record\n", .malformed, "lcov: 1:1: end_of_record without an open SF: record"),
        ("<html>not lcov</html>", .malformed, "lcov: 1:1: expected 'KEY:value' or end_of_record, found '<html>not lcov</html>'"),
        ("mode: set\ngithub.com/x/y.go:1.2,3.4 1 1\n", .malformed, "lcov: 1:1: expected 'KEY:value' or end_of_record, found 'mode: set'"),
    ]

    @Test(arguments: ResultsCoverageTests.brokenLcov.indices)
    func brokenLcovFile(_ index: Int) throws {
        let (input, kind, description) = Self.brokenLcov[index]
        let error = try #require(resultError(.lcov, input))
        #expect(error.kind == kind)
        #expect(error.description == description)
    }

    @Test func lcovThatIsNotUTF8IsMalformed() {
        do {
            _ = try LcovParser.parse([0x53, 0x46, 0x3A, 0xFF, 0xFE])
            Issue.record("parsed invalid UTF-8")
        } catch {
            #expect(error == ResultParseError(.lcov, .malformed, "the file is not UTF-8 text"))
        }
    }
}
