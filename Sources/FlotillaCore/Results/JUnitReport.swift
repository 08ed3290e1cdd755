/// The test cases of one JUnit XML file, flattened out of their (possibly nested) suites.
public struct JUnitReport: Sendable, Equatable {
    /// Every `<testcase>`, in document order.
    public var cases: [TestCaseResult]

    public init(cases: [TestCaseResult]) { self.cases = cases }

    /// Counts and total time over `cases` (suite attributes are not trusted: tools disagree).
    public var totals: JUnitTotals {
        var t = JUnitTotals()
        for c in cases {
            t.tests += 1
            t.time += c.time
            switch c.status {
            case .passed: t.passed += 1
            case .failed: t.failed += 1
            case .error: t.errors += 1
            case .skipped: t.skipped += 1
            }
        }
        return t
    }

    /// The cases that failed or errored.
    public var failures: [TestCaseResult] { cases.filter(\.status.isFailure) }
}

/// Totals of a JUnit report.
public struct JUnitTotals: Sendable, Equatable {
    public var tests = 0
    public var passed = 0
    public var failed = 0
    public var errors = 0
    public var skipped = 0
    /// Sum of the cases' times, in seconds.
    public var time = 0.0

    public init(tests: Int = 0, passed: Int = 0, failed: Int = 0, errors: Int = 0, skipped: Int = 0, time: Double = 0) {
        self.tests = tests; self.passed = passed; self.failed = failed; self.errors = errors; self.skipped = skipped; self.time = time
    }
}

/// One `<testcase>`.
public struct TestCaseResult: Sendable, Equatable {
    /// The name of the innermost `<testsuite>` holding the case ("" when it has none).
    public var suite: String
    /// `classname` (a class, module or package, depending on the tool); may be empty.
    public var classname: String
    public var name: String
    /// Seconds, from the `time` attribute (0 when absent). Kept per test for shard balancing.
    public var time: Double
    public var status: TestStatus
    /// The failure, error or skip message: the `message` attribute, else the first non-empty
    /// line of the element's text; empty for passed tests.
    public var message: String

    public init(suite: String = "", classname: String, name: String, time: Double, status: TestStatus, message: String = "") {
        self.suite = suite; self.classname = classname; self.name = name; self.time = time; self.status = status; self.message = message
    }

    /// `classname.name`, or only `name` when there is no class name.
    public var identifier: String { classname.isEmpty ? name : "\(classname).\(name)" }
}

/// How a test case ended.
public enum TestStatus: String, Sendable, Equatable, CaseIterable {
    case passed
    /// An assertion failed (`<failure>`).
    case failed
    /// The test could not run to an assertion (`<error>`: an exception, a setup failure).
    case error
    case skipped

    /// Whether the case counts against a `tests` gate.
    public var isFailure: Bool { self == .failed || self == .error }
}
