import WireProtocol

extension CoordinatorStore {
    /// Records a verified artifact. Durable; call before acknowledging the upload.
    ///
    /// Names are unique within a run. The same record again is a no-op (a resent upload). A
    /// later attempt of the same job replaces an earlier attempt's record of that name, since a
    /// retried job produces its artifacts anew; anything else under a taken name is refused.
    ///
    /// - Returns: `false` when an identical record was already stored.
    /// - Throws: `.notFound` for an attempt never assigned; `.constraint` when the name is taken
    ///   by another job, by a later attempt, or by different content from the same attempt.
    @discardableResult
    public func recordArtifact(_ artifact: ArtifactRecord) throws(StoreError) -> Bool {
        try write { () throws(StoreError) -> Bool in
            let ref = JobRef(runID: artifact.runID, jobID: artifact.jobID, attempt: artifact.attempt)
            guard let rowID = try attemptRowID(ref) else { throw missingAttempt(ref) }
            if let existing = try storedArtifact(runID: artifact.runID, name: artifact.name) {
                var same = existing
                same.recordedAt = artifact.recordedAt
                if same == artifact { return false }
                guard existing.jobID == artifact.jobID, existing.attempt < artifact.attempt else {
                    throw StoreError(kind: .constraint, message: """
                        run \(artifact.runID) already has an artifact named '\(artifact.name)' from job \(existing.jobID) \
                        attempt \(existing.attempt) (sha256 \(existing.sha256))
                        """, path: databasePath)
                }
                try db.execute("DELETE FROM artifacts WHERE run_id = ? AND name = ?",
                               [.text(artifact.runID), .text(artifact.name)])
            }
            try db.execute("""
                INSERT INTO artifacts (run_id, name, attempt_id, relative_path, kind, size, sha256, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(artifact.runID), .text(artifact.name), .integer(rowID), .text(artifact.relativePath),
                      .text(artifact.kind), .unsigned(artifact.size), .text(artifact.sha256), .integer(artifact.recordedAt)])
            return true
        }
    }

    /// A run's artifacts, by job (plan order) then name.
    public func artifacts(ofRun runID: String) throws(StoreError) -> [ArtifactRecord] {
        try read { () throws(StoreError) in
            try db.query("""
                SELECT \(Self.artifactColumns) FROM artifacts r JOIN attempts a ON a.id = r.attempt_id
                JOIN jobs j ON j.run_id = a.run_id AND j.job_id = a.job_id
                WHERE r.run_id = ? ORDER BY j.position, r.name
                """, [.text(runID)], decodeArtifact)
        }
    }

    // MARK: Rows

    static let artifactColumns = """
        r.run_id, a.job_id, a.attempt, r.name, r.relative_path, r.kind, r.size, r.sha256, r.recorded_at
        """

    private func storedArtifact(runID: String, name: String) throws(StoreError) -> ArtifactRecord? {
        try db.queryOne("""
            SELECT \(Self.artifactColumns) FROM artifacts r JOIN attempts a ON a.id = r.attempt_id
            WHERE r.run_id = ? AND r.name = ?
            """, [.text(runID), .text(name)], decodeArtifact)
    }

    private func decodeArtifact(_ row: Row) -> ArtifactRecord {
        ArtifactRecord(runID: row.string(0), jobID: row.string(1), attempt: UInt32(truncatingIfNeeded: row.int64(2)),
                       name: row.string(3), relativePath: row.string(4), kind: row.string(5), size: row.unsigned(6),
                       sha256: row.string(7), recordedAt: row.int64(8))
    }
}
