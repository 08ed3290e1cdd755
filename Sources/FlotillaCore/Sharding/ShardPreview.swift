/// The shards `flotilla plan --shards` can show before anything runs.
///
/// A `files:` job is planned here exactly as the coordinator will plan it at submission (same
/// glob, same file list as the source bundle, same planner); a `list:` job's tests are only
/// known once its command has run on an agent, so it has no entry.
public enum ShardPreview {
    /// The shards of every `files:`-sharded job of `plan`, keyed by job id.
    ///
    /// - Parameters:
    ///   - plan: a plan from `Planner.plan`.
    ///   - files: the relative paths of the source snapshot (`sourceFiles(directory:)`).
    ///   - history: recorded seconds per test id, per job id (`TimingHistory.match`); empty
    ///     for a job never run, which balances by file count.
    ///   - freeMatchingSlots: for `count: auto`, the free slots of agents carrying all of a
    ///     job's `runs-on` labels.
    public static func shards(plan: Plan, files: [String], history: [String: [String: Double]] = [:],
                              freeMatchingSlots: (_ runsOn: [String]) -> Int) -> [String: [Shard]] {
        var result: [String: [Shard]] = [:]
        for job in plan.jobs {
            guard let spec = job.shard, case .files(let pattern) = spec.source,
                  let glob = try? ShardGlob(pattern) else { continue }
            let shardPlan = ShardPlanner.plan(testIDs: glob.expand(files), count: spec.count,
                                              freeMatchingSlots: freeMatchingSlots(job.runsOn),
                                              history: history[job.id] ?? [:])
            result[job.id] = shardPlan.shards
        }
        return result
    }

    /// The paths a source bundle of `directory` would hold (files, executables and symlinks;
    /// not directories), relative and sorted: what `files:` globs are matched against.
    ///
    /// - Throws: `BundleError` when the directory cannot be listed.
    public static func sourceFiles(directory: String) throws(BundleError) -> [String] {
        let listing = try SourceFileLister.list(directory: directory, excluding: [], limits: BundleLimits())
        return listing.entries.filter { $0.kind != .directory }.map { String(decoding: $0.path, as: UTF8.self) }
    }
}
