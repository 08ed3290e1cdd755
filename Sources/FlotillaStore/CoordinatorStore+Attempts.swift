import WireProtocol

extension CoordinatorStore {
    /// Records that an attempt was placed on an agent, and marks the job `.assigned`. Durable.
    ///
    /// Call before sending `AssignJob`. Recording the same attempt again changes nothing.
    ///
    /// - Returns: `false` when this attempt was already recorded.
    /// - Throws: `.notFound` when the run has no such job.
    @discardableResult
    public func recordAssignment(_ ref: JobRef, agent: String, at time: Int64) throws(StoreError) -> Bool {
        try write { () throws(StoreError) -> Bool in
            try requireJob(ref)
            if try attemptRowID(ref) != nil { return false }
            // The row id is part of the log file name, so insert first, then name the file.
            try db.execute("""
                INSERT INTO attempts (run_id, job_id, attempt, agent, state, assigned_at, log_path)
                VALUES (?, ?, ?, ?, 'assigned', ?, '')
                """, [.text(ref.runID), .text(ref.jobID), .integer(Int64(ref.attempt)), .text(agent), .integer(time)])
            let rowID = db.lastInsertRowID
            let path = LogFiles.relativePath(runID: ref.runID, jobID: ref.jobID, attempt: ref.attempt, rowID: rowID)
            try db.execute("UPDATE attempts SET log_path = ? WHERE id = ?", [.text(path), .integer(rowID)])
            try db.execute("UPDATE jobs SET state = 'assigned' WHERE run_id = ? AND job_id = ?",
                           [.text(ref.runID), .text(ref.jobID)])
            return true
        }
    }

    /// Records that the agent started the attempt, and marks the job `.running`. Durable.
    ///
    /// - Returns: `false` when the attempt had already started or finished (a resent message).
    /// - Throws: `.notFound` for an attempt never assigned.
    @discardableResult
    public func recordAttemptStarted(_ ref: JobRef, at time: Int64) throws(StoreError) -> Bool {
        try write { () throws(StoreError) -> Bool in
            guard let rowID = try attemptRowID(ref) else { throw missingAttempt(ref) }
            let changed = try db.execute("""
                UPDATE attempts SET state = 'running', started_at = ? WHERE id = ? AND state = 'assigned'
                """, [.integer(time), .integer(rowID)])
            guard changed == 1 else { return false }
            try db.execute("UPDATE jobs SET state = 'running' WHERE run_id = ? AND job_id = ?",
                           [.text(ref.runID), .text(ref.jobID)])
            return true
        }
    }

    /// Records how an attempt ended, once. Durable, and the attempt's log file is fsynced first.
    ///
    /// Call before telling the client the job finished. A result for an attempt that already
    /// has one (resent after a reconnect) changes nothing, the job state included.
    ///
    /// - Parameters:
    ///   - state: a terminal state (`.succeeded`, `.failed`, `.timedOut`, `.agentLost`, …).
    ///   - reason: why, for people; also the job's detail when `jobState` is given.
    ///   - jobState: the job's state after this attempt (for example `.queued` to retry after
    ///     an agent was lost); nil leaves the job as it is.
    /// - Returns: `false` when the attempt already had a result.
    /// - Throws: `.notFound` for an attempt never assigned.
    @discardableResult
    public func recordAttemptResult(_ ref: JobRef, state: JobState, exitCode: Int32?, reason: String = "",
                                    at time: Int64, jobState: JobState? = nil) throws(StoreError) -> Bool {
        precondition(state.isTerminal, "an attempt result needs a terminal state, not \(state)")
        return try write { () throws(StoreError) -> Bool in
            guard let rowID = try attemptRowID(ref) else { throw missingAttempt(ref) }
            let row = try db.queryOne("SELECT finished_at IS NOT NULL, log_path FROM attempts WHERE id = ?",
                                      [.integer(rowID)]) { ($0.bool(0), $0.string(1)) }
            guard let (finished, logPath) = row, !finished else { return false }
            // Once the result is acknowledged, the log it summarises must survive a crash too.
            try LogFiles.sync(stateDirectory + "/" + logPath)
            try db.execute("""
                UPDATE attempts SET state = ?, exit_code = ?, reason = ?, finished_at = ? WHERE id = ?
                """, [.text(StoredWords.word(state)), .optional(exitCode.map(Int64.init)), .text(reason),
                      .integer(time), .integer(rowID)])
            if let jobState {
                try db.execute("UPDATE jobs SET state = ?, detail = ? WHERE run_id = ? AND job_id = ?",
                               [.text(StoredWords.word(jobState)), .text(reason), .text(ref.runID), .text(ref.jobID)])
            }
            return true
        }
    }

    /// One attempt, or nil.
    public func attempt(_ ref: JobRef) throws(StoreError) -> StoredAttempt? {
        try read { () throws(StoreError) in
            try db.queryOne("""
                SELECT \(Self.attemptColumns) FROM attempts a WHERE a.run_id = ? AND a.job_id = ? AND a.attempt = ?
                """, [.text(ref.runID), .text(ref.jobID), .integer(Int64(ref.attempt))], decodeAttempt)
        }
    }

    /// Every attempt of a run, by job (plan order) then attempt number.
    public func attempts(ofRun runID: String) throws(StoreError) -> [StoredAttempt] {
        try read { () throws(StoreError) in
            try db.query("""
                SELECT \(Self.attemptColumns) FROM attempts a
                JOIN jobs j ON j.run_id = a.run_id AND j.job_id = a.job_id
                WHERE a.run_id = ? ORDER BY j.position, a.attempt
                """, [.text(runID)], decodeAttempt)
        }
    }

    // MARK: Rows

    static let attemptColumns = """
        a.run_id, a.job_id, a.attempt, a.agent, a.state, a.exit_code, a.assigned_at, a.started_at, a.finished_at, a.reason
        """

    private func decodeAttempt(_ row: Row) throws(StoreError) -> StoredAttempt {
        StoredAttempt(ref: JobRef(runID: row.string(0), jobID: row.string(1), attempt: UInt32(truncatingIfNeeded: row.int64(2))),
                      agentName: row.string(3), state: try StoredWords.jobState(row.string(4), path: databasePath),
                      exitCode: row.optionalInt64(5).map { Int32(truncatingIfNeeded: $0) }, assignedAt: row.int64(6),
                      startedAt: row.optionalInt64(7), finishedAt: row.optionalInt64(8), reason: row.string(9))
    }

    /// The attempt's row id inside the caller's transaction; nil if never assigned.
    func attemptRowID(_ ref: JobRef) throws(StoreError) -> Int64? {
        try db.queryOne("SELECT id FROM attempts WHERE run_id = ? AND job_id = ? AND attempt = ?",
                        [.text(ref.runID), .text(ref.jobID), .integer(Int64(ref.attempt))]) { $0.int64(0) }
    }

    func missingAttempt(_ ref: JobRef) -> StoreError {
        StoreError(kind: .notFound,
                   message: "no attempt \(ref.attempt) of job \(ref.jobID) in run \(ref.runID); record its assignment first",
                   path: databasePath)
    }

    private func requireJob(_ ref: JobRef) throws(StoreError) {
        let exists = try db.queryOne("SELECT 1 FROM jobs WHERE run_id = ? AND job_id = ?",
                                     [.text(ref.runID), .text(ref.jobID)]) { _ in true } ?? false
        if !exists {
            throw StoreError(kind: .notFound, message: "run \(ref.runID) has no job \(ref.jobID)", path: databasePath)
        }
    }
}
