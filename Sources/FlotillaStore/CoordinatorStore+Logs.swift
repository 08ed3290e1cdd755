import WireProtocol

extension CoordinatorStore {
    /// Appends a log chunk to its attempt's file under `logs/` and indexes it. Process-crash safe.
    ///
    /// The bytes are written first, then the index row commits; a crash in between leaves
    /// unindexed bytes that are never served and are cut off by the next append. Chunks are
    /// stored in arrival order; readers order them by sequence. A chunk whose sequence is
    /// already indexed (resent after a reconnect) changes nothing.
    ///
    /// - Returns: `false` for a chunk already stored.
    /// - Throws: `.notFound` for an attempt never assigned; `.readOnly`/`.full` when the file or
    ///   the index cannot be written (nothing is indexed then).
    @discardableResult
    public func appendLog(_ chunk: LogChunk) throws(StoreError) -> Bool {
        try write(.processCrashSafe) { () throws(StoreError) -> Bool in
            guard let (rowID, path) = try db.queryOne("""
                SELECT id, log_path FROM attempts WHERE run_id = ? AND job_id = ? AND attempt = ?
                """, [.text(chunk.job.runID), .text(chunk.job.jobID), .integer(Int64(chunk.job.attempt))], {
                    ($0.int64(0), $0.string(1))
                }) else { throw missingAttempt(chunk.job) }
            let known = try db.queryOne("SELECT 1 FROM log_chunks WHERE attempt_id = ? AND sequence = ?",
                                        [.integer(rowID), .unsigned(chunk.sequence)]) { _ in true } ?? false
            if known { return false }
            let end = try db.queryOne("""
                SELECT coalesce(max(byte_offset + byte_length), 0) FROM log_chunks WHERE attempt_id = ?
                """, [.integer(rowID)]) { $0.int64(0) } ?? 0
            try LogFiles.write(chunk.data, to: stateDirectory + "/" + path, at: UInt64(end))
            try db.execute("""
                INSERT INTO log_chunks (attempt_id, sequence, stream, step, byte_offset, byte_length)
                VALUES (?, ?, ?, ?, ?, ?)
                """, [.integer(rowID), .unsigned(chunk.sequence), .text(StoredWords.word(chunk.stream)),
                      .integer(Int64(chunk.stepIndex)), .integer(end), .int(chunk.data.count)])
            return true
        }
    }

    /// The index of a run's log chunks: by job (plan order), attempt, then sequence.
    ///
    /// - Parameters:
    ///   - jobID: only this job; nil for the whole run.
    ///   - attempt: only this attempt (with `jobID`); nil for every attempt.
    ///   - afterSequence: only chunks with a larger sequence, for following a live log.
    public func logIndex(runID: String, jobID: String? = nil, attempt: UInt32? = nil,
                         afterSequence: UInt64? = nil) throws(StoreError) -> [LogIndexEntry] {
        var sql = """
            SELECT a.run_id, a.job_id, a.attempt, c.sequence, c.stream, c.step, a.log_path, c.byte_offset, c.byte_length
            FROM log_chunks c JOIN attempts a ON a.id = c.attempt_id
            JOIN jobs j ON j.run_id = a.run_id AND j.job_id = a.job_id
            WHERE a.run_id = ?
            """
        var values: [SQLValue] = [.text(runID)]
        if let jobID { sql += " AND a.job_id = ?"; values.append(.text(jobID)) }
        if let attempt { sql += " AND a.attempt = ?"; values.append(.integer(Int64(attempt))) }
        if let afterSequence { sql += " AND c.sequence > ?"; values.append(.unsigned(afterSequence)) }
        sql += " ORDER BY j.position, a.attempt, c.sequence"
        return try read { () throws(StoreError) in
            try db.query(sql, values) { row throws(StoreError) in
                LogIndexEntry(ref: JobRef(runID: row.string(0), jobID: row.string(1),
                                          attempt: UInt32(truncatingIfNeeded: row.int64(2))),
                              sequence: row.unsigned(3), stream: try StoredWords.logStream(row.string(4), path: databasePath),
                              stepIndex: UInt32(truncatingIfNeeded: row.int64(5)), path: row.string(6),
                              offset: row.unsigned(7), length: row.unsigned(8))
            }
        }
    }

    /// The bytes of one indexed chunk.
    public func readLogChunk(_ entry: LogIndexEntry) throws(StoreError) -> [UInt8] {
        try LogFileReader().read(stateDirectory + "/" + entry.path, offset: entry.offset, length: entry.length)
    }

    /// Streams a run's (or a job's) log chunk by chunk, in `logIndex` order.
    ///
    /// Only the index is read under the store's lock; the files are read afterwards, one chunk
    /// at a time, so a large log never sits whole in memory and `body` may take its time.
    ///
    /// - Parameter body: gets each chunk's bytes with its index entry.
    /// - Throws: `StoreError` (`.corrupt` when a file is shorter than its index), or what `body` throws.
    public func readLog(runID: String, jobID: String? = nil, attempt: UInt32? = nil,
                        _ body: (_ bytes: [UInt8], _ entry: LogIndexEntry) throws -> Void) throws {
        let entries = try logIndex(runID: runID, jobID: jobID, attempt: attempt)
        let reader = LogFileReader()
        for entry in entries {
            try body(try reader.read(stateDirectory + "/" + entry.path, offset: entry.offset, length: entry.length), entry)
        }
    }

    /// A run's (or a job's) whole log as one byte array, in `logIndex` order.
    public func readLog(runID: String, jobID: String? = nil, attempt: UInt32? = nil) throws(StoreError) -> [UInt8] {
        let entries = try logIndex(runID: runID, jobID: jobID, attempt: attempt)
        let reader = LogFileReader()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(entries.reduce(0) { $0 + $1.length }))
        for entry in entries {
            bytes += try reader.read(stateDirectory + "/" + entry.path, offset: entry.offset, length: entry.length)
        }
        return bytes
    }
}
