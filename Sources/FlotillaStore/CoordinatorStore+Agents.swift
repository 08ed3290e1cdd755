import Foundation
import WireProtocol

extension CoordinatorStore {
    /// Records an agent's registration: labels, capacity and fingerprint as it reported them. Durable.
    ///
    /// A known agent keeps its first-seen time and drain flag; everything else is replaced.
    public func recordAgentSeen(name: String, labels: [String], capacity: Int, fingerprint: MachineFingerprint?,
                                at time: Int64) throws(StoreError) {
        let fp = fingerprint
        try write { () throws(StoreError) in
            try db.execute("""
                INSERT INTO agents (name, labels_json, capacity, fingerprint_os, fingerprint_arch, fingerprint_cpu_model,
                                    fingerprint_cores, fingerprint_memory_bytes, fingerprint_kernel, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET
                    labels_json = excluded.labels_json, capacity = excluded.capacity,
                    fingerprint_os = excluded.fingerprint_os, fingerprint_arch = excluded.fingerprint_arch,
                    fingerprint_cpu_model = excluded.fingerprint_cpu_model, fingerprint_cores = excluded.fingerprint_cores,
                    fingerprint_memory_bytes = excluded.fingerprint_memory_bytes,
                    fingerprint_kernel = excluded.fingerprint_kernel, last_seen = excluded.last_seen
                """, [.text(name), .text(Self.encodeLabels(labels)), .int(capacity), .optional(fp?.os), .optional(fp?.arch),
                      .optional(fp?.cpuModel), .optional(fp.map { Int64($0.cores) }),
                      fp.map { .unsigned($0.memoryBytes) } ?? .null, .optional(fp?.kernel), .integer(time), .integer(time)])
        }
    }

    /// Moves an agent's last-seen time forward. Process-crash safe only (heartbeat rate).
    ///
    /// - Throws: `.notFound` for an agent never recorded.
    public func recordAgentHeartbeat(name: String, at time: Int64) throws(StoreError) {
        try write(.processCrashSafe) { () throws(StoreError) in
            let changed = try db.execute("UPDATE agents SET last_seen = max(last_seen, ?) WHERE name = ?",
                                         [.integer(time), .text(name)])
            if changed == 0 { throw missingAgent(name) }
        }
    }

    /// Drains an agent (no new jobs) or puts it back, with an audit line. Durable.
    ///
    /// Call before answering the drain request. Setting the flag it already has still writes
    /// the audit line: the request was made.
    ///
    /// - Parameter actor: who asked (certificate name of the client or operator).
    /// - Throws: `.notFound` for an agent never recorded.
    public func setAgentDrained(name: String, drained: Bool, actor: String, at time: Int64,
                                detail: String = "") throws(StoreError) {
        try write { () throws(StoreError) in
            let changed = try db.execute("UPDATE agents SET drained = ? WHERE name = ?", [.bool(drained), .text(name)])
            if changed == 0 { throw missingAgent(name) }
            try insertAudit(AuditEntry(at: time, actor: actor, action: drained ? .drained : .undrained,
                                       subject: name, detail: detail))
        }
    }

    /// Every agent ever recorded, by name.
    public func agents() throws(StoreError) -> [StoredAgent] {
        try read { () throws(StoreError) in
            try db.query("SELECT \(Self.agentColumns) FROM agents ORDER BY name", [], decodeAgent)
        }
    }

    /// One agent, or nil.
    public func agent(named name: String) throws(StoreError) -> StoredAgent? {
        try read { () throws(StoreError) in
            try db.queryOne("SELECT \(Self.agentColumns) FROM agents WHERE name = ?", [.text(name)], decodeAgent)
        }
    }

    // MARK: Rows

    static let agentColumns = """
        name, labels_json, capacity, fingerprint_os, fingerprint_arch, fingerprint_cpu_model, fingerprint_cores, \
        fingerprint_memory_bytes, fingerprint_kernel, first_seen, last_seen, drained
        """

    private func decodeAgent(_ row: Row) throws(StoreError) -> StoredAgent {
        let name = row.string(0)
        var fingerprint: MachineFingerprint?
        if !row.isNull(3) {
            fingerprint = MachineFingerprint(os: row.string(3), arch: row.string(4), cpuModel: row.string(5),
                                             cores: UInt32(truncatingIfNeeded: row.int64(6)), memoryBytes: row.unsigned(7),
                                             kernel: row.string(8))
        }
        return StoredAgent(name: name, labels: try decodeLabels(row.string(1), agent: name), capacity: row.int(2),
                           fingerprint: fingerprint, firstSeen: row.int64(9), lastSeen: row.int64(10), drained: row.bool(11))
    }

    private static func encodeLabels(_ labels: [String]) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
        } catch {
            preconditionFailure("encoding an array of strings cannot fail: \(error)")
        }
    }

    private func decodeLabels(_ json: String, agent: String) throws(StoreError) -> [String] {
        do {
            return try JSONDecoder().decode([String].self, from: Data(json.utf8))
        } catch {
            throw StoreError(kind: .corrupt, message: "labels of agent \(agent) cannot be read: \(error)", path: databasePath)
        }
    }

    private func missingAgent(_ name: String) -> StoreError {
        StoreError(kind: .notFound, message: "no agent named '\(name)' was ever recorded", path: databasePath)
    }
}
