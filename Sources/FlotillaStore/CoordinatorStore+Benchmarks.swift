extension CoordinatorStore {
    /// Records benchmark samples, all in one durable transaction.
    ///
    /// Idempotent: a sample whose (run, job, attempt, metric, iteration, purpose) is already
    /// stored is left as it was (an agent resends its results after a reconnect), so the first
    /// recording wins. Samples of failed or cancelled runs are stored like any other.
    ///
    /// - Parameter samples: each must name a stored run and one of its planned jobs, and carry
    ///   a finite value, `attempt >= 0` and `iteration >= 0`.
    /// - Returns: how many samples were new.
    /// - Throws: `.notFound` when a sample's run has no such job; `.constraint` for a
    ///   non-finite value or a negative attempt or iteration (nothing is stored then);
    ///   `.readOnly`/`.full`.
    @discardableResult
    public func recordBenchmarkSamples(_ samples: [BenchmarkSampleRecord]) throws(StoreError) -> Int {
        for sample in samples {
            guard sample.value.isFinite, sample.attempt >= 0, sample.iteration >= 0 else {
                throw StoreError(kind: .constraint,
                                 message: "benchmark sample \(sample.metric) of job \(sample.job) in run \(sample.runID) "
                                    + "(attempt \(sample.attempt), iteration \(sample.iteration)) has value \(sample.value); "
                                    + "expected a finite value and a non-negative attempt and iteration",
                                 path: databasePath)
            }
        }
        return try write { () throws(StoreError) -> Int in
            var checked = Set<[String]>()
            var inserted = 0
            for sample in samples {
                if checked.insert([sample.runID, sample.job]).inserted {
                    let known = try db.queryOne("SELECT 1 FROM jobs WHERE run_id = ? AND job_id = ?",
                                                [.text(sample.runID), .text(sample.job)]) { $0.int(0) }
                    guard known != nil else {
                        throw StoreError(kind: .notFound,
                                         message: "run \(sample.runID) has no job \(sample.job) to record benchmark samples for",
                                         path: databasePath)
                    }
                }
                inserted += try db.execute("""
                    INSERT OR IGNORE INTO benchmark_samples (run_id, job_id, attempt, metric, iteration, purpose, pipeline,
                        unit, lower_is_better, machine_class, agent, revision, value, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, [.text(sample.runID), .text(sample.job), .int(sample.attempt), .text(sample.metric),
                          .int(sample.iteration), .text(sample.purpose.rawValue), .text(sample.pipeline),
                          .text(sample.unit), .bool(sample.lowerIsBetter), .text(sample.machineClass),
                          .text(sample.agent), .text(sample.revision), .real(sample.value),
                          .integer(sample.recordedAtMillis)])
            }
            return inserted
        }
    }

    /// The history of one benchmark series: one point per earlier run that measured it, oldest first.
    ///
    /// Only `.run` samples count (confirmation re-runs are not history). Runs are ordered by
    /// submission (the order the coordinator accepted them); failed and cancelled runs keep
    /// their points, since their samples were measured all the same.
    ///
    /// - Parameters:
    ///   - pipeline: as in `BenchmarkSampleRecord.pipeline`.
    ///   - runID: only runs submitted strictly before this one; `nil` for every run.
    ///   - limitRuns: at most this many points, the newest ones.
    /// - Throws: `.notFound` when `runID` names no stored run.
    public func benchmarkHistory(pipeline: String, job: String, metric: String, machineClass: String,
                                 before runID: String?, limitRuns: Int) throws(StoreError) -> [BenchmarkPoint] {
        try read { () throws(StoreError) -> [BenchmarkPoint] in
            var bound = Int64.max
            if let runID {
                guard let number = try db.queryOne("SELECT number FROM runs WHERE id = ?", [.text(runID)], { $0.int64(0) })
                else { throw StoreError(kind: .notFound, message: "no run \(runID)", path: databasePath) }
                bound = number
            }
            let series: [SQLValue] = [.text(pipeline), .text(job), .text(metric), .text(machineClass)]
            let runs = try db.query("""
                SELECT r.id, r.submitted_at FROM runs r
                JOIN (SELECT DISTINCT run_id FROM benchmark_samples
                      WHERE pipeline = ?1 AND job_id = ?2 AND metric = ?3 AND machine_class = ?4 AND purpose = 'run') s
                  ON s.run_id = r.id
                WHERE r.number < ?5 ORDER BY r.number DESC LIMIT ?6
                """, series + [.integer(bound), .int(max(0, limitRuns))]) { (id: $0.string(0), submitted: $0.int64(1)) }
            var points: [BenchmarkPoint] = []
            for run in runs.reversed() {
                let rows = try db.query("""
                    SELECT value, revision FROM benchmark_samples
                    WHERE pipeline = ?1 AND job_id = ?2 AND metric = ?3 AND machine_class = ?4 AND purpose = 'run'
                      AND run_id = ?5
                    ORDER BY attempt, iteration
                    """, series + [.text(run.id)]) { (value: $0.double(0), revision: $0.string(1)) }
                points.append(BenchmarkPoint(runID: run.id, revision: rows.first?.revision ?? "",
                                             submittedAtMillis: run.submitted, samples: rows.map(\.value)))
            }
            return points
        }
    }

    /// Every benchmark sample of a run, both purposes, ordered by job, metric, machine class,
    /// purpose (`confirm` before `run`), attempt and iteration. Empty for an unknown run.
    public func benchmarkSamples(runID: String) throws(StoreError) -> [BenchmarkSampleRecord] {
        try read { () throws(StoreError) -> [BenchmarkSampleRecord] in
            try db.query("""
                SELECT run_id, pipeline, job_id, metric, unit, lower_is_better, machine_class, agent, revision, attempt,
                       iteration, value, purpose, recorded_at
                FROM benchmark_samples WHERE run_id = ?
                ORDER BY job_id, metric, machine_class, purpose, attempt, iteration
                """, [.text(runID)]) { (row) throws(StoreError) -> BenchmarkSampleRecord in
                guard let purpose = BenchmarkSamplePurpose(rawValue: row.string(12)) else {
                    throw StoreError(kind: .corrupt, message: "benchmark sample of run \(runID) has purpose '\(row.string(12))'",
                                     path: databasePath)
                }
                return BenchmarkSampleRecord(runID: row.string(0), pipeline: row.string(1), job: row.string(2),
                                             metric: row.string(3), unit: row.string(4), lowerIsBetter: row.bool(5),
                                             machineClass: row.string(6), agent: row.string(7), revision: row.string(8),
                                             attempt: row.int(9), iteration: row.int(10), value: row.double(11),
                                             purpose: purpose, recordedAtMillis: row.int64(13))
            }
        }
    }

    /// The benchmark series a job measured (either purpose), ordered by pipeline, metric and machine class.
    ///
    /// A series whose unit or direction changed between runs is listed once, as its newest
    /// sample (by run submission, then recording time) describes it.
    ///
    /// - Parameters:
    ///   - pipeline: only this pipeline's; `nil` for every pipeline that has a job `job`.
    ///   - job: the planned job id.
    public func benchmarkSeries(pipeline: String?, job: String) throws(StoreError) -> [BenchmarkSeriesKey] {
        try read { () throws(StoreError) -> [BenchmarkSeriesKey] in
            try db.query("""
                SELECT pipeline, job_id, metric, unit, lower_is_better, machine_class FROM (
                    SELECT s.pipeline, s.job_id, s.metric, s.unit, s.lower_is_better, s.machine_class,
                           row_number() OVER (PARTITION BY s.pipeline, s.job_id, s.metric, s.machine_class
                                              ORDER BY r.number DESC, s.recorded_at DESC) AS newest
                    FROM benchmark_samples s JOIN runs r ON r.id = s.run_id
                    WHERE s.job_id = ?1 AND (?2 IS NULL OR s.pipeline = ?2))
                WHERE newest = 1
                ORDER BY pipeline, metric, machine_class
                """, [.text(job), .optional(pipeline)]) {
                BenchmarkSeriesKey(pipeline: $0.string(0), job: $0.string(1), metric: $0.string(2), unit: $0.string(3),
                                   lowerIsBetter: $0.bool(4), machineClass: $0.string(5))
            }
        }
    }
}
