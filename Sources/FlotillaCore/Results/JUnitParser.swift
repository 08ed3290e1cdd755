/// Reads JUnit XML as written by pytest, Maven Surefire, go-junit-report, `swift test
/// --xunit-output`, Gradle, Jest and most other test runners.
///
/// The root is `<testsuites>` or a single `<testsuite>`; suites may nest. Each `<testcase>`
/// yields one `TestCaseResult`: `<error>` wins over `<failure>`, which wins over `<skipped>`;
/// no such child means passed. Surefire's `<flakyFailure>`/`<rerunFailure>` on an otherwise
/// passing case leave it passed (the test passed on a rerun). `<properties>`, `<system-out>`
/// and unknown elements are ignored.
public enum JUnitParser {
    /// Parses one JUnit XML file.
    ///
    /// - Parameter bytes: The file's bytes (at most `ResultLimits.maxBytes`).
    /// - Returns: The cases in document order.
    /// - Throws: `ResultParseError` (format `.junit`) for oversized input, XML errors, a wrong
    ///   root element, a `<testcase>` without a name, or a `time` that is not a number of seconds.
    public static func parse(_ bytes: [UInt8]) throws(ResultParseError) -> JUnitReport {
        try ResultLimits.check(bytes, .junit)
        let root: XMLTree.Element
        do {
            root = try XMLTree.parse(bytes, limits: ResultLimits.xml)
        } catch {
            throw ResultParseError(.junit, xml: error)
        }
        guard root.name == "testsuites" || root.name == "testsuite" else {
            throw ResultParseError(.junit, .invalid, "expected <testsuites> or <testsuite> as the root element, found <\(root.name)>",
                                   at: root.position)
        }
        var cases: [TestCaseResult] = []
        try walk(root, suite: root.attribute("name") ?? "", into: &cases)
        return JUnitReport(cases: cases)
    }

    private static func walk(_ element: XMLTree.Element, suite: String, into cases: inout [TestCaseResult]) throws(ResultParseError) {
        for child in element.elements {
            switch child.name {
            case "testsuite", "testsuites":
                try walk(child, suite: child.attribute("name") ?? suite, into: &cases)
            case "testcase":
                cases.append(try testCase(child, suite: suite))
            default:
                continue
            }
        }
    }

    private static func testCase(_ e: XMLTree.Element, suite: String) throws(ResultParseError) -> TestCaseResult {
        guard let name = e.attribute("name") else {
            throw ResultParseError(.junit, .invalid, "<testcase> has no 'name' attribute", at: e.position)
        }
        let time = try seconds(e.attribute("time"), of: e, name: name)
        let children = e.elements
        var status = TestStatus.passed
        var message = ""
        for (tag, candidate) in [("error", TestStatus.error), ("failure", .failed), ("skipped", .skipped)] {
            if let found = children.first(where: { $0.name == tag }) {
                status = candidate
                message = Self.message(of: found)
                break
            }
        }
        return TestCaseResult(suite: suite, classname: e.attribute("classname") ?? e.attribute("class") ?? "", name: name,
                              time: time, status: status, message: message)
    }

    /// The `message` attribute, or the first non-blank line of the element's text.
    private static func message(of e: XMLTree.Element) -> String {
        if let m = e.attribute("message"), !m.trimmingWhitespace.isEmpty { return m }
        for line in e.text.split(whereSeparator: \.isNewline) {
            let trimmed = String(line).trimmingWhitespace
            if !trimmed.isEmpty { return trimmed }
        }
        return ""
    }

    /// A `time` attribute in seconds: absent or empty is 0; otherwise a non-negative decimal.
    /// Thousands separators (`1,234.5`, which old Surefire versions wrote) are accepted.
    static func seconds(_ raw: String?, of e: XMLTree.Element, name: String) throws(ResultParseError) -> Double {
        guard let raw else { return 0 }
        var text = raw.trimmingWhitespace
        if text.isEmpty { return 0 }
        if text.contains(","), isGroupedThousands(text) { text.removeAll { $0 == "," } }
        let allowed = text.allSatisfy { ResultText.isDigit($0) || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-" }
        guard allowed, let value = Double(text), value.isFinite, value >= 0 else {
            throw ResultParseError(.junit, .invalid, "test case '\(name)': invalid time '\(raw)'; expected a number of seconds such as 0.25",
                                   at: e.position)
        }
        return value
    }

    /// `1,234` or `12,345,678.5`: groups of exactly three digits after the first comma.
    private static func isGroupedThousands(_ s: String) -> Bool {
        let whole = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let groups = whole.split(separator: ",", omittingEmptySubsequences: false)
        guard let first = groups.first, (1...3).contains(first.count), first.allSatisfy(ResultText.isDigit) else { return false }
        return groups.dropFirst().allSatisfy { $0.count == 3 && $0.allSatisfy(ResultText.isDigit) }
    }
}
