extension CoordinatorStore {
    /// Appends a line to the audit log. Durable; call before answering the request it records.
    ///
    /// - Returns: the entry's id (increasing).
    @discardableResult
    public func recordAudit(_ entry: AuditEntry) throws(StoreError) -> Int64 {
        try write { () throws(StoreError) -> Int64 in try insertAudit(entry) }
    }

    /// The newest `limit` audit entries, newest first; only those about `subject` when given.
    public func auditLog(limit: Int, subject: String? = nil) throws(StoreError) -> [AuditEntry] {
        let filter = subject == nil ? "" : "WHERE subject = ?"
        let values: [SQLValue] = (subject.map { [.text($0)] } ?? []) + [.int(max(0, limit))]
        return try read { () throws(StoreError) in
            try db.query("SELECT id, at, actor, action, subject, detail FROM audit_log \(filter) ORDER BY id DESC LIMIT ?",
                         values) {
                AuditEntry(id: $0.int64(0), at: $0.int64(1), actor: $0.string(2), action: AuditAction(rawValue: $0.string(3)),
                           subject: $0.string(4), detail: $0.string(5))
            }
        }
    }

    /// Stores a run's gate verdict (JSON), replacing an earlier one. Durable.
    ///
    /// Re-evaluating a run (after a restart) writes the verdict again; the newest stands.
    ///
    /// - Throws: `.constraint` (foreign key) for an unknown run.
    public func recordVerdict(_ verdict: VerdictRecord) throws(StoreError) {
        try write { () throws(StoreError) in
            try db.execute("""
                INSERT INTO verdicts (run_id, json, recorded_at) VALUES (?, ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET json = excluded.json, recorded_at = excluded.recorded_at
                """, [.text(verdict.runID), .text(verdict.json), .integer(verdict.recordedAt)])
        }
    }

    /// A run's verdict, or nil before one was recorded.
    public func verdict(ofRun runID: String) throws(StoreError) -> VerdictRecord? {
        try read { () throws(StoreError) in
            try db.queryOne("SELECT run_id, json, recorded_at FROM verdicts WHERE run_id = ?", [.text(runID)]) {
                VerdictRecord(runID: $0.string(0), json: $0.string(1), recordedAt: $0.int64(2))
            }
        }
    }

    /// Inserts an audit row inside the caller's transaction.
    @discardableResult
    func insertAudit(_ entry: AuditEntry) throws(StoreError) -> Int64 {
        try db.execute("INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                       [.integer(entry.at), .text(entry.actor), .text(entry.action.rawValue), .text(entry.subject),
                        .text(entry.detail)])
        return db.lastInsertRowID
    }
}
