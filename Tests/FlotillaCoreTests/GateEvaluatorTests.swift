import Testing
import FlotillaCore

/// Helpers that build gate inputs.
enum GateFixture {
    static func job(_ id: String, _ status: JobConclusion = .success, key: String? = nil, continueOnError: Bool = false) -> GateInputs.Job {
        GateInputs.Job(id: id, jobKey: key ?? id, displayName: id, status: status, continueOnError: continueOnError)
    }

    static func junit(_ job: String = "test", passed: Int = 0, failed: [String] = [], errors: [String] = [], skipped: Int = 0) -> ResultFile {
        var cases = (0..<passed).map { TestCaseResult(classname: "suite", name: "ok\($0)", time: 0.1, status: .passed) }
        cases += failed.map { TestCaseResult(classname: "suite", name: $0, time: 0.2, status: .failed, message: "boom in \($0)\nstack") }
        cases += errors.map { TestCaseResult(classname: "suite", name: $0, time: 0, status: .error, message: "crashed") }
        cases += (0..<skipped).map { TestCaseResult(classname: "suite", name: "skip\($0)", time: 0, status: .skipped) }
        return ResultFile(job: job, name: "junit.xml", kind: .junit, content: .junit(JUnitReport(cases: cases)))
    }

    static func coverage(_ job: String = "test", covered: Int, valid: Int) -> ResultFile {
        ResultFile(job: job, name: "coverage.xml", kind: .coverage, content: .coverage(CoverageReport(linesCovered: covered, linesValid: valid)))
    }

    static func sarif(_ severities: [Double?], job: String = "scan", suppressed: Int = 0) -> ResultFile {
        var findings = severities.enumerated().map { i, s in
            Finding(ruleId: "rule\(i)", level: .error, severity: s, message: "finding \(i)", location: "src/f\(i).c:\(i + 1)")
        }
        findings += (0..<suppressed).map { Finding(ruleId: "s\($0)", level: .error, severity: 10, message: "suppressed", suppressed: true) }
        return ResultFile(job: job, name: "scan.sarif", kind: .sarif, content: .sarif(SARIFReport(findings: findings)))
    }

    static func evaluate(_ gate: GateSpec, jobs: [GateInputs.Job] = [job("test")], results: [ResultFile], emergency: Bool = false) -> GateResult {
        GateEvaluator.evaluate(gates: [gate], inputs: GateInputs(jobs: jobs, results: results), emergency: emergency)[0]
    }
}

@Suite("Gates: evaluation")
struct GateEvaluatorTests {
    typealias F = GateFixture

    // MARK: Every kind × pass / fail / warn / skipped / error

    static let gates: [GateSpec] = [
        GateSpec(name: "unit", rule: .tests(maxFailures: 0)),
        GateSpec(name: "cov", rule: .coverage(minPercent: 80)),
        GateSpec(name: "sec", rule: .security(maxCritical: 0, maxHigh: 0)),
        GateSpec(name: "all jobs", rule: .jobs([])),
    ]
    static let passing: [ResultFile] = [F.junit(passed: 3), F.coverage(covered: 90, valid: 100), F.sarif([5.0, nil])]
    static let failing: [ResultFile] = [F.junit(passed: 2, failed: ["bad"]), F.coverage(covered: 72, valid: 100), F.sarif([9.5])]

    @Test(arguments: [GateKind.tests, .coverage, .security, .jobs])
    func passWhenTheThresholdIsMet(_ kind: GateKind) throws {
        let gate = try #require(Self.gates.first { $0.kind == kind })
        let result = F.evaluate(gate, results: Self.passing)
        #expect(result.status == .pass, "\(result)")
        #expect(result.kind == kind && result.blocking && result.critical && result.threshold == gate.threshold)
    }

    @Test(arguments: [GateKind.tests, .coverage, .security, .jobs], [true, false])
    func failWhenBlockingWarnWhenAdvisory(_ kind: GateKind, _ blocking: Bool) throws {
        var gate = try #require(Self.gates.first { $0.kind == kind })
        gate.blocking = blocking
        let result = F.evaluate(gate, jobs: [F.job("test", .failure)], results: Self.failing)
        #expect(result.status == (blocking ? .fail : .warn), "\(result)")
        #expect(result.blocking == blocking)
        #expect(!result.value.isEmpty && !result.detail.isEmpty)
    }

    @Test(arguments: [GateKind.tests, .coverage, .security, .jobs], [true, false])
    func emergencySkipsOnlyNonCriticalGates(_ kind: GateKind, _ critical: Bool) throws {
        var gate = try #require(Self.gates.first { $0.kind == kind })
        gate.critical = critical
        let result = F.evaluate(gate, jobs: [F.job("test", .failure)], results: Self.failing, emergency: true)
        #expect(result.status == (critical ? .fail : .skipped))
        #expect(result.critical == critical)
        if !critical {
            #expect(result.detail == "skipped: emergency run, and this gate is not critical")
            #expect(result.value.isEmpty)
        }
        // Without --emergency, critical: false changes nothing.
        #expect(F.evaluate(gate, jobs: [F.job("test", .failure)], results: Self.failing).status == .fail)
    }

    @Test(arguments: [GateKind.tests, .coverage, .security])
    func errorWhenNothingWasCollected(_ kind: GateKind) throws {
        let gate = try #require(Self.gates.first { $0.kind == kind })
        let others = Self.passing.filter { $0.kind.rawValue != (kind == .tests ? "junit" : kind == .security ? "sarif" : "coverage") }
        let result = F.evaluate(gate, results: others)
        let name = kind == .tests ? "junit" : kind == .security ? "sarif" : "coverage"
        #expect(result.status == .error)
        #expect(result.detail == "no \(name) results were collected")
        #expect(result.value == "")
        // Advisory gates that cannot be evaluated are errors too (but do not decide the verdict).
        var advisory = gate
        advisory.blocking = false
        #expect(F.evaluate(advisory, results: others).status == .error)
    }

    @Test(arguments: [ArtifactKind.junit, .coverage, .sarif])
    func anUnreadableFileIsAnErrorWithTheParsersMessage(_ kind: ArtifactKind) throws {
        let broken = try #require(ResultFile.parse(Array("<testsuite><testcase name=\"x\"".utf8), job: "test-linux", name: "results.xml", kind: kind))
        guard case .unreadable(let error) = broken.content else {
            Issue.record("expected an unreadable file, got \(broken.content)")
            return
        }
        let gate = try #require(Self.gates.first { $0.kind.rawValue == (kind == .junit ? "tests" : kind == .sarif ? "security" : "coverage") })
        // A good file next to the broken one does not hide it.
        let result = F.evaluate(gate, results: Self.passing + [broken])
        #expect(result.status == .error)
        #expect(result.detail == "a \(kind.rawValue) result could not be read:\n- results.xml from job test-linux: \(error)")
    }

    @Test func missingDeclaredArtifactIsAnError() {
        let missing = ResultFile(job: "test", name: "junit.xml", kind: .junit, content: .missing("no file matched 'reports/*.xml'"))
        let result = F.evaluate(GateSpec(name: "unit", rule: .tests(maxFailures: 0)), results: [F.junit(passed: 1), missing])
        #expect(result.status == .error)
        #expect(result.detail == "a junit result could not be read:\n- junit.xml from job test: no file matched 'reports/*.xml'")
        #expect(ResultFile.parse([], job: "x", name: "y", kind: .file) == nil)
    }

    // MARK: tests

    @Test func testsDetailNamesFailingTestsAndCapsTheList() {
        let names = (1...13).map { "test_\($0)" }
        let result = F.evaluate(GateSpec(name: "unit", rule: .tests(maxFailures: 0)), results: [F.junit(passed: 5, failed: names, errors: ["test_setup"], skipped: 2)])
        #expect(result.status == .fail)
        #expect(result.value == "14 failed of 21")
        let lines = result.detail.split(separator: "\n").map(String.init)
        #expect(lines[0] == "14 of 21 tests failed (5 passed, 13 failed, 1 errors, 2 skipped):")
        #expect(lines[1] == "- suite.test_1: boom in test_1")
        #expect(lines[10] == "- suite.test_10: boom in test_10")
        #expect(lines[11] == "- and 4 more")
        #expect(lines.count == 12)
    }

    @Test func testsAllowsUpToMaxFailuresAndNamesJobsWhenSeveral() {
        let files = [F.junit("test-linux", passed: 2, errors: ["t_crash"]), F.junit("test-mac", passed: 2, failed: ["t_flaky"])]
        let result = F.evaluate(GateSpec(name: "unit", rule: .tests(maxFailures: 2)), results: files)
        #expect(result.status == .pass)
        #expect(result.threshold == "max-failures 2")
        #expect(result.detail == "2 of 6 tests failed (4 passed, 1 failed, 1 errors, 0 skipped):\n"
                + "- suite.t_crash [test-linux] (error): crashed\n- suite.t_flaky [test-mac]: boom in t_flaky")
        let over = F.evaluate(GateSpec(name: "unit", rule: .tests(maxFailures: 1)), results: files)
        #expect(over.status == .fail)
    }

    @Test func testsWithNoTestCasesIsAnError() {
        let result = F.evaluate(GateSpec(name: "unit", rule: .tests(maxFailures: 0)), results: [F.junit(), F.junit("other")])
        #expect(result.status == .error)
        #expect(result.detail == "the junit results (2 files) contain no test cases")
        let passing = F.evaluate(GateSpec(name: "unit", rule: .tests(maxFailures: 0)), results: [F.junit(passed: 2, skipped: 1)])
        #expect(passing.detail == "3 tests: 2 passed, 0 failed, 0 errors, 1 skipped")
    }

    // MARK: coverage

    @Test func coverageComparesExactCountsAndTruncatesTheDisplay() {
        let exact = F.evaluate(GateSpec(name: "cov", rule: .coverage(minPercent: 29)), results: [F.coverage(covered: 29, valid: 100)])
        #expect(exact.status == .pass && exact.value == "29.00%")
        let justBelow = F.evaluate(GateSpec(name: "cov", rule: .coverage(minPercent: 80)), results: [F.coverage(covered: 79_999, valid: 100_000)])
        #expect(justBelow.status == .fail)
        #expect(justBelow.value == "79.99%")
        #expect(justBelow.threshold == "min 80%")
        #expect(justBelow.detail == "79999 of 100000 lines covered; below the minimum of 80%")
        let fractional = F.evaluate(GateSpec(name: "cov", rule: .coverage(minPercent: 72.5)), results: [F.coverage(covered: 2, valid: 3)])
        #expect(fractional.status == .fail && fractional.value == "66.66%" && fractional.threshold == "min 72.5%")
        let empty = F.evaluate(GateSpec(name: "cov", rule: .coverage(minPercent: 0)), results: [F.coverage(covered: 0, valid: 0)])
        #expect(empty.status == .error && empty.detail == "the coverage results have no coverable lines")
    }

    @Test func coverageMergesShardsByLine() throws {
        let shard1 = try #require(ResultFile.parse(Array("SF:a.c\nDA:1,1\nDA:2,0\nend_of_record\n".utf8), job: "test-1", name: "lcov.info", kind: .coverage))
        let shard2 = try #require(ResultFile.parse(Array("SF:a.c\nDA:1,0\nDA:2,3\nend_of_record\n".utf8), job: "test-2", name: "lcov.info", kind: .coverage))
        let result = F.evaluate(GateSpec(name: "cov", rule: .coverage(minPercent: 100)), results: [shard1, shard2])
        #expect(result.status == .pass)
        #expect(result.value == "100.00%")
        #expect(result.detail == "2 of 2 lines covered (2 reports merged)")
    }

    // MARK: security

    @Test func securityCountsCriticalAndHighAndIgnoresSuppressed() {
        let gate = GateSpec(name: "sec", rule: .security(maxCritical: 0, maxHigh: 1))
        let ok = F.evaluate(gate, results: [F.sarif([7.5, 6.0, 2.0, nil], suppressed: 3)])
        #expect(ok.status == .pass)
        #expect(ok.value == "0 critical, 1 high")
        #expect(ok.threshold == "max-critical 0, max-high 1")
        #expect(ok.detail == "4 findings: 0 critical, 1 high, 1 medium, 1 low, 1 without a security severity; 3 suppressed:\n"
                + "- high 7.5 rule0 at src/f0.c:1: finding 0")
        let bad = F.evaluate(gate, results: [F.sarif([7.5, 9.0]), F.sarif([8.1], job: "scan-2")])
        #expect(bad.status == .fail)
        #expect(bad.value == "1 critical, 2 high")
        #expect(bad.detail.hasSuffix(":\n- critical 9 rule1 at src/f1.c:2: finding 1\n- high 8.1 rule0 at src/f0.c:1: finding 0\n- high 7.5 rule0 at src/f0.c:1: finding 0"))
    }

    // MARK: jobs

    @Test func jobsGateChecksListedOrAllJobs() {
        let jobs = [F.job("build"), F.job("test-linux", .failure, key: "test", continueOnError: true),
                    F.job("test-mac", key: "test"), F.job("deploy", .skipped)]
        let all = F.evaluate(GateSpec(name: "all", rule: .jobs([])), jobs: jobs, results: [])
        #expect(all.status == .fail)
        #expect(all.value == "3 of 4 succeeded")
        #expect(all.threshold == "all jobs succeed")
        #expect(all.detail == "1 of 4 jobs did not succeed (1 skipped):\n- test-linux: failure")
        let listed = F.evaluate(GateSpec(name: "ship", rule: .jobs(["build", "deploy"])), jobs: jobs, results: [])
        #expect(listed.status == .pass)
        #expect(listed.detail == "all 2 jobs succeeded (1 skipped)")
        #expect(listed.threshold == "jobs succeed: build, deploy")
        let absent = F.evaluate(GateSpec(name: "x", rule: .jobs(["lint"])), jobs: jobs, results: [])
        #expect(absent.status == .error && absent.detail == "not part of this run: 'lint'")
        let timedOut = F.evaluate(GateSpec(name: "t", rule: .jobs(["test"])), jobs: [F.job("test", .timedOut), F.job("t2", .agentLost, key: "test")], results: [])
        #expect(timedOut.detail == "2 of 2 jobs did not succeed:\n- test: timed-out\n- t2: agent-lost")
    }
}
