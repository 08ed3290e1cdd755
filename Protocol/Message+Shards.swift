// The bounds of `JobAssignment.shardTests`: what one shard job's test list may hold on the wire.

extension JobAssignment {
    /// Longest test id, in UTF-8 bytes. Test ids are names and paths; 4 KiB is a path's limit.
    public static let maxShardTestIDBytes = 4_096
    /// Most bytes the encoded `shardTests` list may take (its count prefix, each id's length prefix
    /// and bytes): half a frame, so the rest of the assignment (env, steps) keeps its room.
    /// A sender that would exceed it splits the job into more shards instead.
    public static let maxShardTestsBytes = 512 * 1_024

    /// Why `ids` cannot travel as one assignment's `shardTests`, or nil when they can.
    ///
    /// Checks every rule a receiver enforces (count, id length, no line breaks or NUL, which
    /// would change the one-id-per-line file the agent writes) plus the sender's byte budget, so a
    /// coordinator can refuse a plan with a message instead of sending a frame that fails.
    public static func shardTestsProblem(_ ids: [String], limits: ProtocolLimits = .default) -> String? {
        guard ids.count <= limits.maxListCount else {
            return "\(ids.count) test ids, at most \(limits.maxListCount) fit one job"
        }
        var bytes = 4
        for id in ids {
            if let reason = shardTestIDProblem(id) { return reason }
            bytes += 4 + id.utf8.count
        }
        guard bytes <= maxShardTestsBytes else {
            return "the test ids take \(bytes) bytes, more than the \(maxShardTestsBytes) one job may carry"
        }
        return nil
    }

    /// Why one id cannot travel as a `shardTests` entry (too long, or not one line), or nil.
    public static func shardTestIDProblem(_ id: String) -> String? {
        let length = id.utf8.count
        if length > maxShardTestIDBytes {
            return "test id '\(id.prefix(80))…' is \(length) bytes, longer than \(maxShardTestIDBytes)"
        }
        if id.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) {
            return "test id '\(id.prefix(80))' contains a line break or NUL"
        }
        return nil
    }
}

extension ByteReader {
    /// Reads one `shardTests` entry: at most `JobAssignment.maxShardTestIDBytes`, one line.
    mutating func readShardTestID(_ field: String) throws(ProtocolError) -> String {
        let id = try readString(field, maxBytes: JobAssignment.maxShardTestIDBytes)
        if id.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) { throw malformed(field, "contains a line break or NUL") }
        return id
    }
}
