/// Finds flaky jobs and tests: ones that failed in an attempt and passed in a later attempt of
/// the same job. Pure.
///
/// A flaky test is reported, not judged: the `tests` gates see only each job's final attempt.
public enum FlakyTestFinder {
    /// The JUnit results of one attempt of one job.
    public struct AttemptResults: Sendable, Equatable {
        /// The planned job id.
        public var job: String
        /// 1-based attempt number.
        public var attempt: Int
        /// Every test case the attempt's JUnit files hold.
        public var cases: [TestCaseResult]

        public init(job: String, attempt: Int, cases: [TestCaseResult]) {
            self.job = job; self.attempt = attempt; self.cases = cases
        }
    }

    /// Whether a job is flaky: an earlier attempt was retried because it failed (`retried`
    /// holds `failure`, as `VerdictJob.retried` does) and the job finally succeeded.
    public static func isFlaky(retried: [String], final status: JobConclusion) -> Bool {
        status == .success && retried.contains(RetryPolicy.Reason.failure.rawValue)
    }

    /// The tests that failed (or errored) in some attempts of a job and then passed in a later
    /// one without failing again; a test that fails in its last attempt is failing, not flaky.
    ///
    /// Within one attempt a test that appears several times (several files) counts as failed
    /// when any instance failed; skipped instances count neither way.
    ///
    /// - Returns: By job in order of first appearance, then by test in order of first appearance.
    public static func find(_ results: [AttemptResults]) -> [FlakyTest] {
        var jobs: [String] = []
        var byJob: [String: [AttemptResults]] = [:]
        for r in results {
            if byJob[r.job] == nil { jobs.append(r.job) }
            byJob[r.job, default: []].append(r)
        }
        var found: [FlakyTest] = []
        for job in jobs {
            var tests: [String] = []
            // Per test: attempt → failed in that attempt (true) or only passed (false).
            var outcomes: [String: [Int: Bool]] = [:]
            for attempt in byJob[job]! {
                for c in attempt.cases where c.status != .skipped {
                    let id = c.identifier
                    if outcomes[id] == nil { tests.append(id) }
                    outcomes[id, default: [:]][attempt.attempt] = (outcomes[id]?[attempt.attempt] ?? false) || c.status.isFailure
                }
            }
            for test in tests {
                let byAttempt = outcomes[test]!
                let failed = byAttempt.filter(\.value).keys.sorted()
                guard let lastFailure = failed.last,
                      let passed = byAttempt.filter({ !$0.value && $0.key > lastFailure }).keys.min() else { continue }
                found.append(FlakyTest(job: job, test: test, failedAttempts: failed, passedAttempt: passed))
            }
        }
        return found
    }
}
