/// Which shard of which job a planned job is.
public struct ShardMember: Sendable, Equatable {
    /// The id the job had before it was split; test timings are recorded under it, so every
    /// shard of a later run learns from all shards of this one.
    public var parentID: String
    /// 0-based, as in `FLOTILLA_SHARD_INDEX`.
    public var index: Int
    /// How many shards the job was split into, as in `FLOTILLA_SHARD_COUNT`.
    public var count: Int

    public init(parentID: String, index: Int, count: Int) {
        self.parentID = parentID; self.index = index; self.count = count
    }
}

/// Replaces a sharded planned job by its shard jobs, and rewires `needs` to them.
///
/// Naming: a shard of job `JOB` is displayed `JOB (shard i/N)` with a 1-based `i`; for a matrix
/// combination the shard suffix follows the matrix one, `test (linux, 6.0) (shard 2/4)`, so the
/// name reads from the general to the particular and sorts shards of one combination together.
/// Ids are `ID-shard-i-of-N` (`test-linux-6.0-shard-2-of-4`): only characters job ids already
/// use, so they stay valid in workspace paths, and stable for the same plan and count.
///
/// Each shard job is a copy of the job with `FLOTILLA_SHARD_INDEX` (0-based) and
/// `FLOTILLA_SHARD_COUNT` in its env, its tests in `shardTests` (the agent writes them to a file,
/// one per line, and points `FLOTILLA_SHARD_FILE` at it), `shard` cleared (a shard is never
/// split again) and `shardMember` set. Shards keep the job's `needs`, `if:`, timeout and matrix
/// group: a sharded matrix job's shards follow the matrix's `fail-fast` and `max-parallel`;
/// shards of a job without a matrix do not cancel each other, so one failing shard does not hide
/// the results of the others.
public enum ShardExpansion {
    public static let indexVariable = "FLOTILLA_SHARD_INDEX"
    public static let countVariable = "FLOTILLA_SHARD_COUNT"
    /// Set by the agent to the path of the file it wrote `PlannedJob.shardTests` to.
    public static let fileVariable = "FLOTILLA_SHARD_FILE"

    /// `PARENT-shard-i-of-N`, with `index` 0-based and `i` 1-based.
    public static func id(parent: String, index: Int, count: Int) -> String {
        "\(parent)-shard-\(index + 1)-of-\(count)"
    }

    /// `PARENT (shard i/N)`, with `index` 0-based and `i` 1-based.
    public static func displayName(parent: String, index: Int, count: Int) -> String {
        "\(parent) (shard \(index + 1)/\(count))"
    }

    /// The shard jobs of `job`, one per shard, in shard order.
    ///
    /// - Precondition: `shards` is not empty and `shards[k].index == k`.
    public static func expand(job: PlannedJob, shards: [Shard]) -> [PlannedJob] {
        precondition(!shards.isEmpty, "a sharded job has at least one shard")
        let count = shards.count
        return shards.enumerated().map { position, shard in
            precondition(shard.index == position, "shards must be in index order")
            var copy = job
            copy.id = id(parent: job.id, index: shard.index, count: count)
            copy.displayName = displayName(parent: job.displayName, index: shard.index, count: count)
            copy.shard = nil
            copy.shardMember = ShardMember(parentID: job.id, index: shard.index, count: count)
            copy.shardTests = shard.testIDs
            copy.env = setting(copy.env, indexVariable, String(shard.index))
            copy.env = setting(copy.env, countVariable, String(count))
            return copy
        }
    }

    /// Replaces every job of `plan` that has an entry in `shards` by its shard jobs (in place,
    /// keeping plan order) and rewrites `needs` (see `expandNeeds`).
    ///
    /// Jobs without an entry are kept as they are, so a coordinator can expand jobs one at a
    /// time as their `list:` commands report. Should a shard id already name another job, the
    /// shard gets the first free `-2`, `-3`, … suffix, as the planner does for matrix ids.
    public static func expand(plan: Plan, shards: [String: [Shard]]) -> Plan {
        var taken = Set(plan.jobs.filter { shards[$0.id] == nil }.map(\.id))
        var jobs: [PlannedJob] = []
        for job in plan.jobs {
            guard let jobShards = shards[job.id] else { jobs.append(job); continue }
            for var shardJob in expand(job: job, shards: jobShards) {
                var candidate = shardJob.id
                var n = 2
                while taken.contains(candidate) { candidate = "\(shardJob.id)-\(n)"; n += 1 }
                taken.insert(candidate)
                shardJob.id = candidate
                jobs.append(shardJob)
            }
        }
        return expandNeeds(plan: Plan(jobs: jobs, warnings: plan.warnings))
    }

    /// Rewrites `needs` naming a job that was split (it is no longer in the plan, and shard jobs
    /// name it as their `parentID`) to name all of its shards, in shard order. A job that
    /// needed a sharded job starts only after every shard succeeded, as before it started only
    /// after the whole test suite passed.
    public static func expandNeeds(plan: Plan) -> Plan {
        let present = Set(plan.jobs.map(\.id))
        var shardIDs: [String: [String]] = [:]
        for job in plan.jobs {
            if let member = job.shardMember, !present.contains(member.parentID) {
                shardIDs[member.parentID, default: []].append(job.id)
            }
        }
        guard !shardIDs.isEmpty else { return plan }
        var result = plan
        for i in result.jobs.indices where result.jobs[i].needs.contains(where: { shardIDs[$0] != nil }) {
            var seen: Set<String> = []
            result.jobs[i].needs = result.jobs[i].needs.flatMap { shardIDs[$0] ?? [$0] }.filter { seen.insert($0).inserted }
        }
        return result
    }

    /// `env` with `name` set to `value`: an existing entry keeps its position, else it is appended.
    private static func setting(_ env: [EnvPair], _ name: String, _ value: String) -> [EnvPair] {
        var env = env
        if let i = env.firstIndex(where: { $0.name == name }) { env[i].value = value } else {
            env.append(EnvPair(name: name, value: value))
        }
        return env
    }
}
