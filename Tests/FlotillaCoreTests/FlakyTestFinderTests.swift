import Testing
import FlotillaCore

@Suite("Flaky tests and their place in the verdict")
struct FlakyTestFinderTests {
    static func attempt(_ job: String, _ n: Int, passed: [String] = [], failed: [String] = [], errors: [String] = [],
                        skipped: [String] = []) -> FlakyTestFinder.AttemptResults {
        func cases(_ names: [String], _ status: TestStatus) -> [TestCaseResult] {
            names.map { TestCaseResult(classname: "Suite", name: $0, time: 0.1, status: status) }
        }
        return FlakyTestFinder.AttemptResults(job: job, attempt: n, cases: cases(passed, .passed) + cases(failed, .failed)
                                                + cases(errors, .error) + cases(skipped, .skipped))
    }

    @Test func aTestThatFailedThenPassedIsFlaky() {
        let found = FlakyTestFinder.find([
            Self.attempt("test", 1, passed: ["a"], failed: ["b"], errors: ["c"]),
            Self.attempt("test", 2, passed: ["a", "b", "c"]),
        ])
        #expect(found == [FlakyTest(job: "test", test: "Suite.b", failedAttempts: [1], passedAttempt: 2),
                          FlakyTest(job: "test", test: "Suite.c", failedAttempts: [1], passedAttempt: 2)])
    }

    @Test func failingInTheLastAttemptIsNotFlaky() {
        let found = FlakyTestFinder.find([
            Self.attempt("test", 1, failed: ["b"]),
            Self.attempt("test", 2, passed: ["b"]),
            Self.attempt("test", 3, failed: ["b"]),
        ])
        #expect(found.isEmpty)
        // Failing twice, then passing: both failures are named; the first pass after them counts.
        let twice = FlakyTestFinder.find([
            Self.attempt("test", 3, passed: ["b"]),
            Self.attempt("test", 1, failed: ["b"]),
            Self.attempt("test", 2, failed: ["b"]),
            Self.attempt("test", 4, passed: ["b"]),
        ])
        #expect(twice == [FlakyTest(job: "test", test: "Suite.b", failedAttempts: [1, 2], passedAttempt: 3)])
    }

    @Test func skippedRunsAndOtherJobsDoNotCount() {
        let found = FlakyTestFinder.find([
            Self.attempt("test", 1, failed: ["b"], skipped: ["s"]),
            Self.attempt("test", 2, skipped: ["b"]),
            Self.attempt("other", 2, passed: ["b"]),
            Self.attempt("other", 1, passed: ["s"]),
            Self.attempt("other", 2, failed: ["s"]),
        ])
        // "b" was skipped on test's retry and passed only in another job; "s" passed then failed.
        #expect(found.isEmpty)
    }

    @Test func aFailureInAnyFileOfAnAttemptCounts() {
        let found = FlakyTestFinder.find([
            Self.attempt("test", 1, passed: ["b"]),
            Self.attempt("test", 1, failed: ["b"]),
            Self.attempt("test", 2, passed: ["b"]),
        ])
        #expect(found == [FlakyTest(job: "test", test: "Suite.b", failedAttempts: [1], passedAttempt: 2)])
    }

    @Test func aJobIsFlakyWhenAFailedAttemptWasRetriedAndItSucceeded() {
        #expect(FlakyTestFinder.isFlaky(retried: ["failure"], final: .success))
        #expect(FlakyTestFinder.isFlaky(retried: ["agent-lost", "failure"], final: .success))
        #expect(!FlakyTestFinder.isFlaky(retried: ["agent-lost"], final: .success))
        #expect(!FlakyTestFinder.isFlaky(retried: ["failure"], final: .failure))
        #expect(!FlakyTestFinder.isFlaky(retried: [], final: .success))
    }

    static let flakyVerdict = Verdict(
        run: "r5", verdict: .pass,
        gates: [GateResult(name: "unit", kind: .tests, status: .pass, blocking: true, critical: true, value: "0 failed of 3",
                           threshold: "max-failures 0", detail: "3 tests: 3 passed, 0 failed, 0 errors, 0 skipped")],
        jobs: [VerdictJob(id: "test", status: .success, agent: "a2", attempts: 2, durationSeconds: 2, exitCode: 0, retried: ["failure"], flaky: true),
               VerdictJob(id: "lint", status: .success, agent: "a1", attempts: 1, durationSeconds: 1, exitCode: 0)],
        flakyTests: [FlakyTest(job: "test", test: "Suite.b", failedAttempts: [1], passedAttempt: 2)])

    @Test func verdictJSONAddsFlakyMembersOnlyWhenThereAreAny() throws {
        let json = VerdictRenderer.json(Self.flakyVerdict)
        #expect(json.contains(#"{"id": "test", "status": "success", "agent": "a2", "attempts": 2, "duration_s": 2, "exit_code": 0, "retried": ["failure"], "flaky": true}"#))
        #expect(json.contains(#"{"id": "lint", "status": "success", "agent": "a1", "attempts": 1, "duration_s": 1, "exit_code": 0, "retried": []}"#))
        #expect(json.hasSuffix(#", "artifacts": [], "flaky_tests": [{"job": "test", "test": "Suite.b", "failed_attempts": [1], "passed_attempt": 2}]}"#))
        #expect(try Verdict.decode(json: json) == Self.flakyVerdict)
        // Verdicts from before flakiness was reported still read.
        let old = #"{"run": "r", "verdict": "pass", "emergency": false, "gates": [], "jobs": [{"id": "j", "status": "success", "agent": "", "attempts": 1, "duration_s": 1, "exit_code": null}], "artifacts": []}"#
        let decoded = try Verdict.decode(json: old)
        #expect(decoded.flakyTests.isEmpty && decoded.jobs[0].flaky == false)
    }

    @Test(arguments: [
        (#""flaky": "yes""#, "invalid verdict JSON: jobs[0].flaky: expected true or false, found string 'yes'"),
        (#""x": 1}], "artifacts": [], "flaky_tests": [{"job": "j", "test": "t", "failed_attempts": [1.5], "passed_attempt": 2}"#,
         "invalid verdict JSON: flaky_tests[0].failed_attempts: expected a list of whole numbers, found number 1.5"),
        (#""x": 1}], "artifacts": [], "flaky_tests": [{"job": "j", "test": "t", "failed_attempts": [1]}"#,
         "invalid verdict JSON: flaky_tests[0].passed_attempt: missing"),
    ])
    func badFlakyMembersAreRejected(_ member: String, _ message: String) {
        let closing = member.contains("artifacts") ? "]}" : "}], \"artifacts\": []}"
        let json = #"{"run": "r", "verdict": "pass", "emergency": false, "gates": [], "jobs": [{"id": "j", "status": "success", "agent": "", "attempts": 1, "duration_s": 1, "exit_code": null, "#
            + member + closing
        do {
            let verdict = try Verdict.decode(json: json)
            Issue.record("decoded \(verdict)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func markdownListsFlakyTestsAndMarksFlakyJobs() {
        let md = VerdictRenderer.markdown(Self.flakyVerdict)
        #expect(md.contains("Run `r5` · all blocking gates passed; 1 flaky test\n"), "\(md)")
        #expect(md.contains("""
            ### Flaky tests

            Failed, then passed on a retry; the final attempt's results decided the gates.

            | Test | Job | Failed attempts | Passed on attempt |
            | --- | --- | --- | --- |
            | Suite.b | test | 1 | 2 |
            """))
        #expect(md.contains("| test | ✅ success (flaky) | a2 | 2 | 2.0s | 0 |"))
        #expect(md.contains("| lint | ✅ success | a1 | 1 | 1.0s | 0 |"))
        let xml = VerdictRenderer.junit(Self.flakyVerdict)
        #expect(xml.contains("<property name=\"flaky_tests\" value=\"1\"/>"))
    }
}
