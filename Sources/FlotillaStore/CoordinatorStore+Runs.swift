import FlotillaCore
import WireProtocol

extension CoordinatorStore {
    /// Stores a new run with its plan (jobs all `.queued`, and gates) and a `submitted` audit line. Durable.
    ///
    /// Call before sending `RunAccepted`. The plan's warnings are not stored.
    ///
    /// - Parameters:
    ///   - run: `state` is usually `.active` or `.waitingForBundle`.
    ///   - plan: jobs in plan order, with unique ids.
    /// - Throws: `.constraint` when the run id is taken or job ids repeat; `.readOnly`/`.full`.
    public func insertRun(_ run: StoredRun, plan: Plan) throws(StoreError) {
        try write { () throws(StoreError) in
            try db.execute("""
                INSERT INTO runs (id, pipeline_file, pipeline_text, bundle_sha256, bundle_size, source_revision,
                                  submitter, emergency, gates_json, state, outcome, submitted_at, finished_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(run.id), .text(run.pipelineFileName), .text(run.pipelineText), .text(run.bundleSHA256),
                      .unsigned(run.bundleSize), .text(run.sourceRevision), .text(run.submitter), .bool(run.emergency),
                      .text(PlanCoding.encode(plan.gates)), .text(run.state.rawValue),
                      .optional(run.outcome.map(StoredWords.word)), .integer(run.submittedAt), .optional(run.finishedAt)])
            for (position, job) in plan.jobs.enumerated() {
                try insertJob(job, runID: run.id, position: position)
            }
            let count = plan.jobs.count
            try insertAudit(AuditEntry(at: run.submittedAt, actor: run.submitter, action: .submitted, subject: run.id,
                                       detail: "\(run.pipelineFileName): \(count) job\(count == 1 ? "" : "s")"))
        }
    }

    /// Replaces a run's planned jobs, as when a sharded job is expanded into its shards. Durable.
    ///
    /// `jobs` is the run's whole new plan, in order. A job id already stored keeps its state,
    /// detail and attempts, with its plan and position updated; a new id is added `.queued`; a
    /// stored job missing from `jobs` is removed, which is allowed only before it had an attempt.
    ///
    /// - Throws: `.notFound` for an unknown run; `.constraint` when a removed job has attempts
    ///   or ids repeat.
    public func replacePlannedJobs(runID: String, jobs: [PlannedJob]) throws(StoreError) {
        try write { () throws(StoreError) in
            _ = try runState(runID)
            let kept = Set(jobs.map(\.id))
            let stored = try db.query("SELECT job_id FROM jobs WHERE run_id = ?", [.text(runID)]) { $0.string(0) }
            for jobID in stored where !kept.contains(jobID) {
                let attempts = try db.queryOne("SELECT count(*) FROM attempts WHERE run_id = ? AND job_id = ?",
                                               [.text(runID), .text(jobID)]) { $0.int(0) } ?? 0
                guard attempts == 0 else {
                    throw StoreError(kind: .constraint,
                                     message: "job \(jobID) of run \(runID) has \(attempts) attempt(s); it cannot leave the plan",
                                     path: databasePath)
                }
                try db.execute("DELETE FROM jobs WHERE run_id = ? AND job_id = ?", [.text(runID), .text(jobID)])
            }
            // Positions are unique; move the survivors out of the way before renumbering.
            try db.execute("UPDATE jobs SET position = -1 - position WHERE run_id = ?", [.text(runID)])
            let existing = Set(stored)
            for (position, job) in jobs.enumerated() {
                if existing.contains(job.id) {
                    try db.execute("""
                        UPDATE jobs SET position = ?, job_key = ?, display_name = ?, plan_json = ?
                        WHERE run_id = ? AND job_id = ?
                        """, [.int(position), .text(job.jobKey), .text(job.displayName), .text(PlanCoding.encode(job)),
                              .text(runID), .text(job.id)])
                } else {
                    try insertJob(job, runID: runID, position: position)
                }
            }
        }
    }

    /// Moves an unfinished run to `.waitingForBundle` or `.active` (the bundle arrived). Durable.
    ///
    /// - Throws: `.notFound` for an unknown run; `.constraint` for a finished one, or for
    ///   `.finished` (use `finishRun`, which records the outcome).
    public func setRunState(_ runID: String, _ state: RunState) throws(StoreError) {
        guard state != .finished else {
            throw StoreError(kind: .constraint, message: "finish run \(runID) with finishRun, which records its outcome",
                             path: databasePath)
        }
        try write { () throws(StoreError) in
            let current = try runState(runID)
            guard current != .finished else {
                throw StoreError(kind: .constraint, message: "run \(runID) is finished; it cannot become \(state.rawValue)",
                                 path: databasePath)
            }
            try db.execute("UPDATE runs SET state = ? WHERE id = ?", [.text(state.rawValue), .text(runID)])
        }
    }

    /// Records how a run ended. Durable; a second call for a finished run changes nothing.
    ///
    /// Call before sending `RunFinished`.
    ///
    /// - Returns: `false` when the run had already finished.
    /// - Throws: `.notFound` for an unknown run.
    @discardableResult
    public func finishRun(_ runID: String, outcome: RunOutcome, at time: Int64) throws(StoreError) -> Bool {
        try write { () throws(StoreError) -> Bool in
            guard try runState(runID) != .finished else { return false }
            try db.execute("UPDATE runs SET state = 'finished', outcome = ?, finished_at = ? WHERE id = ?",
                           [.text(StoredWords.word(outcome)), .integer(time), .text(runID)])
            return true
        }
    }

    /// Sets a job's state and detail. Durable.
    ///
    /// - Throws: `.notFound` when the run has no such job.
    public func setJobState(runID: String, jobID: String, _ state: JobState, detail: String = "") throws(StoreError) {
        try write { () throws(StoreError) in
            let changed = try db.execute("UPDATE jobs SET state = ?, detail = ? WHERE run_id = ? AND job_id = ?",
                                         [.text(StoredWords.word(state)), .text(detail), .text(runID), .text(jobID)])
            if changed == 0 {
                throw StoreError(kind: .notFound, message: "run \(runID) has no job \(jobID)", path: databasePath)
            }
        }
    }

    /// The run with this id, or nil.
    public func run(_ runID: String) throws(StoreError) -> StoredRun? {
        try read { () throws(StoreError) in
            try db.queryOne("SELECT \(Self.runColumns) FROM runs WHERE id = ?", [.text(runID)], decodeRun)
        }
    }

    /// The newest `limit` runs, newest first.
    public func runs(limit: Int) throws(StoreError) -> [StoredRun] {
        try read { () throws(StoreError) in
            try db.query("SELECT \(Self.runColumns) FROM runs ORDER BY number DESC LIMIT ?", [.int(max(0, limit))], decodeRun)
        }
    }

    /// A run's jobs in plan order; empty for an unknown run.
    public func jobs(ofRun runID: String) throws(StoreError) -> [StoredJob] {
        try read { () throws(StoreError) in
            try db.query("""
                SELECT run_id, plan_json, position, state, detail FROM jobs WHERE run_id = ? ORDER BY position
                """, [.text(runID)], decodeJob)
        }
    }

    /// A run's gates as planned at submission; empty for an unknown run.
    public func gates(ofRun runID: String) throws(StoreError) -> [GateSpec] {
        try read { () throws(StoreError) in
            guard let json = try db.queryOne("SELECT gates_json FROM runs WHERE id = ?", [.text(runID)], { $0.string(0) }) else {
                return []
            }
            return try PlanCoding.decodeGates(json, runID: runID, path: databasePath)
        }
    }

    /// Every run not yet finished, oldest first, with its jobs, gates and attempts: what a
    /// restarted coordinator resumes.
    public func unfinishedRuns() throws(StoreError) -> [RecoveredRun] {
        try read { () throws(StoreError) in
            let runs = try db.query("""
                SELECT \(Self.runColumns) FROM runs WHERE state <> 'finished' ORDER BY number
                """, [], decodeRun)
            var recovered: [RecoveredRun] = []
            for run in runs {
                recovered.append(RecoveredRun(run: run, jobs: try jobs(ofRun: run.id), gates: try gates(ofRun: run.id),
                                              attempts: try attempts(ofRun: run.id)))
            }
            return recovered
        }
    }

    // MARK: Rows

    static let runColumns = """
        id, pipeline_file, pipeline_text, bundle_sha256, bundle_size, source_revision, submitter, emergency, \
        state, outcome, submitted_at, finished_at
        """

    private func decodeRun(_ row: Row) throws(StoreError) -> StoredRun {
        StoredRun(id: row.string(0), pipelineFileName: row.string(1), pipelineText: row.string(2),
                  bundleSHA256: row.string(3), bundleSize: row.unsigned(4), sourceRevision: row.string(5),
                  submitter: row.string(6), emergency: row.bool(7),
                  state: try StoredWords.runState(row.string(8), path: databasePath),
                  outcome: try StoredWords.runOutcome(row.optionalString(9), path: databasePath),
                  submittedAt: row.int64(10), finishedAt: row.optionalInt64(11))
    }

    private func decodeJob(_ row: Row) throws(StoreError) -> StoredJob {
        let runID = row.string(0)
        return StoredJob(runID: runID, planned: try PlanCoding.decodeJob(row.string(1), runID: runID, path: databasePath),
                         position: row.int(2), state: try StoredWords.jobState(row.string(3), path: databasePath),
                         detail: row.string(4))
    }

    private func insertJob(_ job: PlannedJob, runID: String, position: Int) throws(StoreError) {
        try db.execute("""
            INSERT INTO jobs (run_id, job_id, position, job_key, display_name, plan_json, state, detail)
            VALUES (?, ?, ?, ?, ?, ?, 'queued', '')
            """, [.text(runID), .text(job.id), .int(position), .text(job.jobKey), .text(job.displayName),
                  .text(PlanCoding.encode(job))])
    }

    /// The state of a run, inside the caller's transaction; `.notFound` if there is none.
    private func runState(_ runID: String) throws(StoreError) -> RunState {
        guard let word = try db.queryOne("SELECT state FROM runs WHERE id = ?", [.text(runID)], { $0.string(0) }) else {
            throw StoreError(kind: .notFound, message: "no run \(runID)", path: databasePath)
        }
        return try StoredWords.runState(word, path: databasePath)
    }
}
