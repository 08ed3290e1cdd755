import FlotillaCore
import WireProtocol

extension JobRunner {
    /// The file a shard job's test ids are written to, in the workspace's temporary directory
    /// (next to the step scripts, outside the checkout the steps see as `FLOTILLA_WORKSPACE`).
    static let shardFileName = "shard-tests.txt"

    /// Whether the job is a shard: it has test ids, or the coordinator set its shard index (a
    /// shard of an empty test list still gets its, empty, file).
    var isShard: Bool {
        !assignment.shardTests.isEmpty || assignment.env.contains { $0.name == ShardExpansion.indexVariable }
    }

    func shardFilePath(in workspace: JobWorkspace) -> String {
        workspace.temporaryDirectory + "/" + Self.shardFileName
    }

    /// Writes `assignment.shardTests`, one per line (LF after each), for `FLOTILLA_SHARD_FILE`.
    func writeShardFile(in workspace: JobWorkspace) throws(WorkspaceError) {
        guard isShard else { return }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(assignment.shardTests.reduce(0) { $0 + $1.utf8.count + 1 })
        for id in assignment.shardTests {
            bytes += id.utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        _ = try workspace.writeFile(named: Self.shardFileName, bytes: bytes)
    }
}
