import Testing
import FlotillaCore

/// JUnit XML from the test runners teams actually use, and broken files.
@Suite("Results: JUnit")
struct ResultsJUnitTests {
    @Test func pytest() throws {
        let report = try JUnitParser.parse(ResultFixtures.bytes("junit-pytest.xml"))
        #expect(report.cases.map(\.identifier) == [
            "tests.test_api.test_health", "tests.test_api.test_login_rejects_bad_password", "tests.test_api.test_params[1-2]",
            "tests.test_db.test_migrations", "tests.test_db.test_connect",
        ])
        #expect(report.cases.map(\.status) == [.passed, .failed, .passed, .skipped, .error])
        #expect(report.cases.allSatisfy { $0.suite == "pytest" })
        #expect(report.cases[1].message == "AssertionError: assert 401 == 200\n +  where 401 = <Response [401]>.status_code")
        #expect(report.cases[3].message == "no database configured")
        #expect(report.cases[4].message == "failed on setup with \"ConnectionRefusedError: [Errno 111] Connection refused\"")
        #expect(report.cases.map(\.time) == [0.003, 0.021, 0.001, 0, 0.387])
        let totals = report.totals
        #expect((totals.tests, totals.passed, totals.failed, totals.errors, totals.skipped) == (5, 2, 1, 1, 1))
        #expect(abs(totals.time - 0.412) < 1e-9)
        #expect(report.failures.map(\.name) == ["test_login_rejects_bad_password", "test_connect"])
    }

    @Test func mavenSurefire() throws {
        let report = try JUnitParser.parse(ResultFixtures.bytes("junit-surefire.xml"))
        #expect(report.cases.map(\.name) == ["totalsLineItems", "appliesDiscount", "rejectsNegativeQuantity", "exportsPdf", "retriesGateway"])
        #expect(report.cases.allSatisfy { $0.classname == "com.example.billing.InvoiceServiceTest" && $0.suite == $0.classname })
        // A flaky failure that passed on a rerun is a pass; `1,230.5` is old Surefire's grouping.
        #expect(report.cases.map(\.status) == [.passed, .failed, .error, .skipped, .passed])
        #expect(report.cases.map(\.time) == [0.012, 1230.5, 0.004, 0, 0.051])
        #expect(report.cases[1].message == "expected: <90.00> but was: <100.00>")
        #expect(report.cases[2].message == "/ by zero")
        #expect(report.cases[3].message == "PDF export disabled on CI")
    }

    @Test func goJUnitReport() throws {
        let report = try JUnitParser.parse(ResultFixtures.bytes("junit-go.xml"))
        #expect(report.cases.map(\.name) == ["TestShortestPath", "TestShortestPath/no_edges", "TestReroute", "TestOpen"])
        #expect(report.cases.map(\.suite) == Array(repeating: "github.com/acme/shipper/internal/route", count: 3) + ["github.com/acme/shipper/internal/store"])
        #expect(report.cases.map(\.status) == [.passed, .passed, .failed, .skipped])
        #expect(report.cases[2].message == "Failed")
        #expect(report.cases[2].time == 0.2)
        #expect(report.cases[3].identifier == "github.com/acme/shipper/internal/store.TestOpen")
    }

    @Test func swiftTestXUnit() throws {
        let report = try JUnitParser.parse(ResultFixtures.bytes("junit-swift-xunit.xml"))
        #expect(report.cases.map(\.identifier) == ["FlotillaCoreTests.ParserTests.testEmpty", "FlotillaCoreTests.ParserTests.testNested",
                                                   "FlotillaCoreTests.LimitsTests.testDepth"])
        #expect(report.cases.map(\.status) == [.passed, .failed, .passed])
        #expect(report.cases.map(\.time) == [0.001, 0.0091, 0.0022])
        #expect(report.cases[1].message == "failed")
    }

    @Test func nestedSuitesAndMessageFromText() throws {
        let report = try JUnitParser.parse(Array("""
            <testsuites><testsuite name="outer"><testsuite name="inner">
            <testcase name="a"><failure>

              first line of the trace
              second line</failure></testcase>
            </testsuite><testcase name="b" time=""/></testsuite></testsuites>
            """.utf8))
        #expect(report.cases.map(\.suite) == ["inner", "outer"])
        #expect(report.cases[0].message == "first line of the trace")
        #expect(report.cases[0].classname == "" && report.cases[0].identifier == "a")
        #expect(report.cases[1].time == 0)
        #expect(try JUnitParser.parse(Array("<testsuites/>".utf8)).cases.isEmpty)
    }

    /// (input, kind, description)
    static let broken: [(String, ResultParseError.Kind, String)] = [
        ("", .malformed, "junit: 1:1: the document has no root element"),
        ("<coverage line-rate=\"1\"/>", .invalid, "junit: 1:1: expected <testsuites> or <testsuite> as the root element, found <coverage>"),
        ("<testsuite>\n  <testcase classname=\"x\"/>\n</testsuite>", .invalid, "junit: 2:3: <testcase> has no 'name' attribute"),
        ("<testsuite><testcase name=\"a\" time=\"fast\"/></testsuite>", .invalid,
         "junit: 1:12: test case 'a': invalid time 'fast'; expected a number of seconds such as 0.25"),
        ("<testsuite><testcase name=\"a\" time=\"-1\"/></testsuite>", .invalid,
         "junit: 1:12: test case 'a': invalid time '-1'; expected a number of seconds such as 0.25"),
        ("<testsuite><testcase name=\"a\" time=\"1,2345\"/></testsuite>", .invalid,
         "junit: 1:12: test case 'a': invalid time '1,2345'; expected a number of seconds such as 0.25"),
        ("<testsuite><testcase name=\"a\" time=\"nan\"/></testsuite>", .invalid,
         "junit: 1:12: test case 'a': invalid time 'nan'; expected a number of seconds such as 0.25"),
        ("<testsuite><testcase name=\"a\" time=\"0x1p3\"/></testsuite>", .invalid,
         "junit: 1:12: test case 'a': invalid time '0x1p3'; expected a number of seconds such as 0.25"),
        ("<!DOCTYPE t [<!ENTITY x \"y\">]><testsuite/>", .unsupported,
         "junit: 1:13: a DOCTYPE with an internal subset ('[ … ]') is not allowed: DTD declarations and custom entities are refused"),
        ("<testsuite><testcase name=\"a\"></testsuite>", .malformed, "junit: 1:31: end tag </testsuite> does not match <testcase> opened at 1:12"),
    ]

    @Test(arguments: ResultsJUnitTests.broken.indices)
    func brokenFileHasATypedError(_ index: Int) throws {
        let (input, kind, description) = Self.broken[index]
        let error = try #require(resultError(.junit, input))
        #expect(error.format == .junit)
        #expect(error.kind == kind)
        #expect(error.description == description)
    }

    @Test func truncatedFixtureIsMalformed() throws {
        let whole = ResultFixtures.bytes("junit-surefire.xml")
        let error = try #require(resultError(.junit, String(decoding: whole.prefix(whole.count / 2), as: UTF8.self)))
        #expect(error.kind == .malformed)
        #expect(error.position != nil)
    }

    @Test func oversizedInputIsRefusedBeforeParsing() throws {
        let bytes = [UInt8](repeating: 0x20, count: ResultLimits.maxBytes + 1)
        do {
            _ = try JUnitParser.parse(bytes)
            Issue.record("parsed an oversized file")
        } catch {
            #expect(error.kind == .tooLarge)
            #expect(error.description == "junit: the file is 67108865 bytes; the limit is 67108864 bytes")
        }
    }
}
