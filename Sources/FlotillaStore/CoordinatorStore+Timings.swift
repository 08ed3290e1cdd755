import FlotillaCore

extension CoordinatorStore {
    /// How many recent runs' test timings are kept per job key, and averaged by `timings(forJob:)`.
    ///
    /// Enough that one slow run (a loaded machine) is a tenth of the estimate, few enough that a
    /// test that became slower shows within a few runs, and the tables stay bounded.
    public static let timingRunsKept = 10

    /// Records the test cases one job reported in one run (its parsed JUnit `<testcase>`s). Durable.
    ///
    /// A job's report for a run is stored once: a resent one changes nothing. Shards of a job
    /// record under the same `jobKey` and run with their own `jobID`, and count as one run.
    /// Cases with a negative or non-finite time are skipped. Only the newest
    /// `timingRunsKept` runs per job key are kept.
    ///
    /// - Parameters:
    ///   - jobKey: what the timings are for, stable across runs: the unsharded job id
    ///     (`ShardMember.parentID` for a shard), qualified by the pipeline if several share a
    ///     coordinator (e.g. `ci.yml#test-linux`).
    ///   - jobID: the (shard) job that reported them.
    /// - Returns: `false` when this job's report for this run was already stored.
    @discardableResult
    public func recordTestTimings(_ cases: [TestCaseTiming], jobKey: String, runID: String, jobID: String,
                                  at time: Int64) throws(StoreError) -> Bool {
        try write { () throws(StoreError) -> Bool in
            let inserted = try db.execute("""
                INSERT OR IGNORE INTO timing_reports (job_key, run_id, job_id, recorded_at) VALUES (?, ?, ?, ?)
                """, [.text(jobKey), .text(runID), .text(jobID), .integer(time)])
            guard inserted == 1 else { return false }
            for (ordinal, testCase) in cases.enumerated() where testCase.seconds.isFinite && testCase.seconds >= 0 {
                try db.execute("""
                    INSERT INTO test_cases (job_key, run_id, job_id, ordinal, classname, name, file, seconds)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(jobKey), .text(runID), .text(jobID), .int(ordinal), .text(testCase.classname),
                          .text(testCase.name), .text(testCase.file), .real(testCase.seconds)])
            }
            try db.execute("""
                DELETE FROM timing_reports WHERE job_key = ?1 AND run_id NOT IN (
                    SELECT run_id FROM timing_reports WHERE job_key = ?1
                    GROUP BY run_id ORDER BY max(recorded_at) DESC, run_id DESC LIMIT ?2)
                """, [.text(jobKey), .int(Self.timingRunsKept)])
            return true
        }
    }

    /// The recorded test cases of a job key's recent runs, newest run first, each in report order.
    ///
    /// - Parameter runs: at most this many runs.
    public func testTimingHistory(forJob key: String, runs: Int = timingRunsKept) throws(StoreError) -> [[TestCaseTiming]] {
        try read { () throws(StoreError) -> [[TestCaseTiming]] in
            let runIDs = try db.query("""
                SELECT run_id FROM timing_reports WHERE job_key = ? GROUP BY run_id
                ORDER BY max(recorded_at) DESC, run_id DESC LIMIT ?
                """, [.text(key), .int(max(0, runs))]) { $0.string(0) }
            var history: [[TestCaseTiming]] = []
            for runID in runIDs {
                history.append(try db.query("""
                    SELECT classname, name, file, seconds FROM test_cases WHERE job_key = ? AND run_id = ?
                    ORDER BY job_id, ordinal
                    """, [.text(key), .text(runID)]) {
                    TestCaseTiming(classname: $0.string(0), name: $0.string(1), file: $0.string(2), seconds: $0.double(3))
                })
            }
            return history
        }
    }

    /// Estimated seconds per test id for shard balancing: `TimingHistory.match(runs:)` over the
    /// last `timingRunsKept` runs.
    ///
    /// That is, per run the cases an id selects are summed, and across runs the totals are
    /// averaged over the runs that have the id (see `TimingHistory` for the id forms). A plain
    /// mean of recent runs rather than a moving average: the sharding planner defines the
    /// policy, the store only keeps the window. Empty for a job key never timed.
    public func timings(forJob key: String) throws(StoreError) -> [String: Double] {
        TimingHistory.match(runs: try testTimingHistory(forJob: key))
    }
}
