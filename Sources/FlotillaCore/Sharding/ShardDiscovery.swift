/// The discovery jobs of `list:`-sharded jobs: where a job's test ids come from before it is split.
///
/// A job with `shard: {list: COMMAND}` cannot be split until COMMAND has run on an agent, so the
/// coordinator runs it first as a job of its own: `JOB (discover)`, id `JOB-discover`, a copy of
/// the job (same `runs-on`, env, needs, `if:`, timeout, continue-on-error) whose single step is
/// the command, in a fresh workspace of the source snapshot. The sharded job itself stays in the
/// run as a placeholder that needs its discovery job; when discovery succeeds, the coordinator
/// parses the command's standard output (`ShardPlanner.testIDs(fromListOutput:)`), plans the
/// shards and replaces the placeholder by them (`ShardExpansion`). The placeholder never runs.
///
/// The discovery job is outside the job's matrix group: it is bookkeeping, not one of the
/// matrix's test jobs, so it neither counts for `max-parallel` nor triggers `fail-fast` (its
/// failure fails the placeholder, which does).
public enum ShardDiscovery {
    /// The name of the discovery job's one step.
    public static let stepName = "discover tests"
    /// Most bytes of standard output the coordinator keeps from a list command; a longer list
    /// fails the job rather than being split on a truncated list.
    public static let maxListOutputBytes = 4 << 20

    /// `PARENT-discover`.
    public static func id(parent: String) -> String { "\(parent)-discover" }

    /// `PARENT (discover)`.
    public static func displayName(parent: String) -> String { "\(parent) (discover)" }

    /// The discovery job of a `list:`-sharded job, or nil when `job` is not one.
    public static func job(for job: PlannedJob) -> PlannedJob? {
        guard let spec = job.shard, case .list(let command) = spec.source else { return nil }
        var discovery = PlannedJob(
            id: id(parent: job.id), jobKey: job.jobKey, displayName: displayName(parent: job.displayName),
            matrix: job.matrix, runsOn: job.runsOn, needs: job.needs, env: job.env, timeoutMillis: job.timeoutMillis,
            continueOnError: job.continueOnError, condition: job.condition, matrixGroup: "", failFast: false,
            maxParallel: 0, steps: [PlannedStep(name: stepName, run: command)])
        discovery.retry = job.retry
        return discovery
    }

    /// `plan` with a discovery job in front of every `list:`-sharded job, which now also needs it.
    ///
    /// Should `JOB-discover` already name a job, the discovery job gets the first free `-2`,
    /// `-3`, … suffix.
    ///
    /// - Returns: the plan and, per discovery job id, the id of the job it discovers tests for.
    public static func addingDiscoveryJobs(to plan: Plan) -> (plan: Plan, discoveries: [String: String]) {
        guard plan.jobs.contains(where: { job(for: $0) != nil }) else { return (plan, [:]) }
        var taken = Set(plan.jobs.map(\.id))
        var jobs: [PlannedJob] = []
        var discoveries: [String: String] = [:]
        for var planned in plan.jobs {
            if var discovery = job(for: planned) {
                var candidate = discovery.id
                var n = 2
                while taken.contains(candidate) { candidate = "\(discovery.id)-\(n)"; n += 1 }
                taken.insert(candidate)
                discovery.id = candidate
                discoveries[candidate] = planned.id
                planned.needs.append(candidate)
                jobs.append(discovery)
            }
            jobs.append(planned)
        }
        var result = plan
        result.jobs = jobs
        return (result, discoveries)
    }
}
