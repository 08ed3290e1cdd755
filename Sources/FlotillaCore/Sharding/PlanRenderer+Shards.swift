extension PlanRenderer {
    /// The table of `flotilla plan FILE --shards`: one row per planned shard of every sharded job.
    ///
    /// Columns JOB (the job's id before sharding), SHARD (`i/N`), NAME (the shard job's display
    /// name), TESTS and PREDICTED (seconds, one decimal). A sharded job without an entry in
    /// `shards` gets one row saying why: a `list:` job's tests are discovered at run time. Jobs
    /// that are not sharded are left out; a plan without any says so.
    ///
    /// - Parameters:
    ///   - plan: the plan, before shard expansion.
    ///   - shards: planned shards per job id (`ShardPreview.shards`).
    public static func shards(plan: Plan, shards: [String: [Shard]]) -> String {
        var rows = [["JOB", "SHARD", "NAME", "TESTS", "PREDICTED"]]
        for job in plan.jobs {
            guard let spec = job.shard else { continue }
            guard let jobShards = shards[job.id], !jobShards.isEmpty else {
                let reason: String
                switch spec.source {
                case .list: reason = "discovered at run time"
                case .files(let glob): reason = "no shards planned for files '\(glob)'"
                }
                rows.append([job.id, "-", job.displayName + " (count \(spec.count))", reason, "-"])
                continue
            }
            for shard in jobShards {
                rows.append([job.id, "\(shard.index + 1)/\(jobShards.count)",
                             ShardExpansion.displayName(parent: job.displayName, index: shard.index, count: jobShards.count),
                             String(shard.testIDs.count), seconds(shard.predictedSeconds)])
            }
        }
        guard rows.count > 1 else { return "no job in this plan is sharded" }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Seconds with one decimal and an `s` unit, without Foundation's locale-dependent formatting.
    static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return "?" }
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
