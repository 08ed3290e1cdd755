import FlotillaCore
import WireProtocol

/// Test sharding at run time: splitting a sharded job into its shard jobs once its tests are known.
///
/// A `files:` job is split when the source bundle's file list is known
/// (`sourceFilesListed`), before anything of its run is placed. A `list:` job is split when
/// its discovery job (`ShardDiscovery`) succeeds, from the command's standard output. Either
/// way the job is replaced by `ShardExpansion`'s shard jobs, jobs that needed it now need every
/// shard, the run's bookkeeping is rebuilt (`RunRecord.replaceJobs`), and the client gets a
/// fresh `RunAccepted` with the whole new job list, then a `queued` event per new job.
extension CoordinatorCore {
    /// Recorded seconds per test id for a job key (`timingKey`); see `TimingHistory.match`.
    public typealias TimingHistoryProvider = @Sendable (_ jobKey: String) -> [String: Double]

    /// The key test timings of `jobID` are recorded and looked up under: the pipeline file as
    /// submitted (without a leading `./`), `#`, and the job's id before sharding
    /// (`ShardMember.parentID` for a shard), e.g. `ci.yml#test-linux`.
    public static func timingKey(pipelineFileName: String, jobID: String) -> String {
        var file = Substring(pipelineFileName)
        while file.hasPrefix("./") { file = file.dropFirst(2) }
        return "\(file)#\(jobID)"
    }

    /// The key `job`'s test timings belong under in `run`: a shard's timings are its parent job's.
    public static func timingKey(run: RunRecord, job: PlannedJob) -> String {
        timingKey(pipelineFileName: run.pipelineFileName, jobID: job.shardMember?.parentID ?? job.id)
    }

    /// Free slots, right now, of the agents carrying every one of `labels`: what `count: auto` may use.
    public func freeMatchingSlots(_ labels: [String]) -> Int {
        let wanted = Set(labels)
        return agents.values.reduce(0) { $0 + (wanted.isSubset(of: $1.labels) ? $1.freeSlots : 0) }
    }

    // MARK: files: shards

    /// Runs on this bundle still waiting for its file list to split their `files:` jobs, in submission order.
    public func runsAwaitingSourceFiles(bundleSHA256 sha256: String) -> [String] {
        runOrder.filter { runs[$0]?.awaitingSourceFiles == true && runs[$0]?.bundleSHA256 == sha256 }
    }

    /// The run's source bundle is stored and these are its file paths
    /// (`SourceBundleIndex.filePaths`): its `files:` jobs are split and the run starts.
    ///
    /// Each glob is matched against `files`, the matches are planned with `ShardPlanner` (the
    /// job's recorded timings, and for `count: auto` the free slots of matching agents), and the
    /// job is replaced by its shards. A job whose shards cannot travel in an assignment fails
    /// with the reason. Nothing happens for a run not waiting for its file list.
    public mutating func sourceFilesListed(runID: String, files: [String], now: UInt64) -> [CoordinatorAction] {
        guard let run = runs[runID], run.awaitingSourceFiles, !run.isFinished else { return [] }
        var planned: [(job: JobRecord, result: Result<[Shard], ShardingFailure>)] = []
        for job in run.jobs {
            guard job.state == .queued, let spec = job.planned.shard, case .files(let pattern) = spec.source else { continue }
            do {
                planned.append((job, planShards(run, job.planned, spec, testIDs: try ShardGlob(pattern).expand(files))))
            } catch {
                planned.append((job, .failure(ShardingFailure(reason: "invalid 'shard.files': \(error)"))))
            }
        }
        var actions: [CoordinatorAction] = []
        var shards: [String: [Shard]] = [:]
        for (job, result) in planned {
            switch result {
            case .success(let jobShards): shards[job.planned.id] = jobShards
            case .failure(let failure):
                actions += finishJob(job.ref(runID: runID), state: .failed, exitCode: nil, detail: failure.reason, now: now)
            }
        }
        // A failure may have cancelled matrix siblings (fail-fast); only jobs still queued are split.
        shards = shards.filter { id, _ in runs[runID]!.indexByID[id].map { runs[runID]!.jobs[$0].state == .queued } ?? false }
        runs[runID]!.awaitingSourceFiles = false
        actions += replaceShardedJobs(runID, shards: shards).actions
        if runs[runID]!.phase == .waitingForBundle { runs[runID]!.phase = .active }
        touched(runID)
        return actions + resolveSkippedJobs(runID, now: now) + schedule(now: now)
    }

    /// The run's source files could not be listed: it ends in error, like a failed bundle upload.
    public mutating func sourceFilesUnavailable(runID: String, reason: String, now: UInt64) -> [CoordinatorAction] {
        guard let run = runs[runID], run.awaitingSourceFiles, !run.isFinished else { return [] }
        runs[runID]!.awaitingSourceFiles = false
        touched(runID)
        for i in run.jobs.indices where !run.jobs[i].state.isTerminal {
            runs[runID]!.transition(i, to: .cancelled)
            runs[runID]!.jobs[i].detail = "cannot list the source files for 'shard.files': \(reason)"
        }
        return completeRun(runID, outcome: .error)
    }

    // MARK: Any shards

    /// Replaces sharded jobs of a run by their shard jobs, tells the client, and places what can start.
    ///
    /// For drivers and tests that plan shards themselves; `sourceFilesListed` and discovery jobs
    /// use the same replacement.
    ///
    /// - Parameter shards: per job id, its shards in index order (`ShardPlanner.plan(...).shards`).
    /// - Precondition: each job named is in the run, queued and never placed, and has shards.
    public mutating func expandShards(runID: String, shards: [String: [Shard]], now: UInt64) -> [CoordinatorAction] {
        guard let run = runs[runID], !run.isFinished else { return [] }
        for (id, jobShards) in shards {
            precondition(!jobShards.isEmpty, "job \(id) needs at least one shard")
            guard let i = run.indexByID[id] else { preconditionFailure("run \(runID) has no job \(id)") }
            precondition(run.jobs[i].state == .queued && run.jobs[i].attempts == 0, "job \(id) was already placed")
        }
        let (actions, added) = replaceShardedJobs(runID, shards: shards)
        return actions + resolveSkippedJobs(runID, among: added, now: now) + schedule(now: now)
    }

    /// Why a sharded job could not be split.
    struct ShardingFailure: Error { var reason: String }

    /// Plans `job`'s shards over `testIDs`, so that every shard's list fits an assignment.
    ///
    /// `count: auto` takes more shards (up to `ShardSpec.maxCount`) when a list would not fit;
    /// a fixed count that does not fit is a failure naming the shard and the bound.
    func planShards(_ run: RunRecord, _ job: PlannedJob, _ spec: ShardSpec,
                    testIDs: [String]) -> Result<[Shard], ShardingFailure> {
        // No shard count helps an id that cannot travel at all.
        if let problem = testIDs.lazy.compactMap(JobAssignment.shardTestIDProblem).first {
            return .failure(ShardingFailure(reason: "cannot shard: \(problem)"))
        }
        let history = shardTimings(Self.timingKey(pipelineFileName: run.pipelineFileName, jobID: job.id))
        var plan = ShardPlanner.plan(testIDs: testIDs, count: spec.count, freeMatchingSlots: freeMatchingSlots(job.runsOn),
                                     history: history)
        while true {
            let count = plan.shards.count
            let tests = plan.shards.reduce(0) { $0 + $1.testIDs.count }
            guard let (shard, problem) = plan.shards.lazy.compactMap({ shard in
                JobAssignment.shardTestsProblem(shard.testIDs).map { (shard, $0) }
            }).first else { return .success(plan.shards) }
            guard spec.count == .auto, count < ShardSpec.maxCount, count < tests else {
                return .failure(ShardingFailure(reason: "cannot split \(tests) tests into \(count) shard\(count == 1 ? "" : "s"): "
                    + "shard \(shard.index + 1)/\(count) has \(problem); raise 'shard.count'"))
            }
            plan = ShardPlanner.plan(testIDs: testIDs, count: min(ShardSpec.maxCount, count * 2), history: history)
        }
    }

    /// Replaces the named jobs by their shard jobs and sends the client the new job list.
    ///
    /// - Returns: the client's messages and the indices of the new shard jobs.
    mutating func replaceShardedJobs(_ runID: String, shards: [String: [Shard]]) -> (actions: [CoordinatorAction], added: [Int]) {
        guard !shards.isEmpty, let run = runs[runID] else { return ([], []) }
        var planned = run.jobs.map(\.planned)
        for i in planned.indices where shards[planned[i].id] != nil {
            // A discovered job's shards need what the job needed, not its finished discovery job.
            let id = planned[i].id
            planned[i].needs.removeAll { run.shardDiscoveries[$0] == id }
        }
        let expanded = ShardExpansion.expand(plan: Plan(jobs: planned), shards: shards).jobs
        touched(runID)
        runs[runID]!.replaceJobs(expanded)
        let updated = runs[runID]!
        let added = updated.jobs.indices.filter { run.indexByID[updated.jobs[$0].planned.id] == nil }
        guard !updated.audience.isEmpty else { return ([], added) }
        let summaries = updated.jobs.map { PlannedJobSummary(jobID: $0.planned.id, name: $0.planned.displayName) }
        let accepted = Message.runAccepted(RunAccepted(runID: runID, jobs: summaries))
        var actions: [CoordinatorAction] = updated.audience.map { .send($0, accepted) }
        for i in added { actions += notify(runID, i, state: .queued, detail: "") }
        return (actions, added)
    }

    // MARK: list: shards

    /// Keeps a discovery job's standard output; other chunks are not kept.
    mutating func shardListOutputReceived(_ chunk: LogChunk) {
        let (runID, jobID) = (chunk.job.runID, chunk.job.jobID)
        guard chunk.stream == .stdout, runs[runID]?.shardDiscoveries[jobID] != nil else { return }
        if runs[runID]!.shardListOutputs[jobID]?.attempt != chunk.job.attempt {
            runs[runID]!.shardListOutputs[jobID] = ShardListOutput(attempt: chunk.job.attempt)
        }
        // In place: a copy per chunk would make a long list quadratic.
        runs[runID]!.shardListOutputs[jobID]!.append(chunk.data)
    }

    /// A discovery job ended without success, or a sharded job ended before its discovery did:
    /// the other one follows. Called from `finishJob` before the job's dependents are resolved.
    ///
    /// A failed or timed-out discovery fails the sharded job (saying so, rather than skipping it
    /// as a job whose need failed); a lost agent makes it `agentLost`; skipped and cancelled
    /// carry over. A sharded job cancelled (fail-fast, run cancelled) cancels its discovery.
    mutating func shardJobEnded(_ runID: String, _ i: Int, state: JobState, detail: String, now: UInt64) -> [CoordinatorAction] {
        guard let run = runs[runID], !run.shardDiscoveries.isEmpty else { return [] }
        let job = run.jobs[i].planned
        if let target = run.shardDiscoveries[job.id] {
            guard state != .succeeded else { return [] }
            runs[runID]!.shardListOutputs[job.id] = nil
            guard let t = run.indexByID[target], !run.jobs[t].state.isTerminal else { return [] }
            let ending: (JobState, String)
            switch state {
            case .skipped, .cancelled: ending = (state, detail)
            case .agentLost: ending = (.agentLost, "test discovery '\(job.displayName)': \(detail)")
            default:
                ending = (.failed, "test discovery '\(job.displayName)' failed" + (detail.isEmpty ? "" : ": \(detail)"))
            }
            return finishJob(run.jobs[t].ref(runID: runID), index: t, state: ending.0, exitCode: nil, detail: ending.1, now: now)
        }
        guard job.shard != nil, let discovery = run.shardDiscoveries.first(where: { $0.value == job.id })?.key,
              let d = run.indexByID[discovery], !run.jobs[d].state.isTerminal else { return [] }
        var actions: [CoordinatorAction] = []
        let record = run.jobs[d]
        if let agent = record.agentConnection, record.state == .assigned || record.state == .running {
            actions.append(.send(agent, .cancelJob(CancelJob(job: record.ref(runID: runID), reason: detail))))
        }
        return actions + finishJob(record.ref(runID: runID), index: d, state: .cancelled, exitCode: nil, detail: detail, now: now)
    }

    /// A job attempt finished: when it was a discovery job that succeeded, its sharded job is
    /// planned from the printed test ids and replaced by its shards (or fails, saying why).
    mutating func shardDiscoverySucceeded(_ ref: JobRef, now: UInt64) -> [CoordinatorAction] {
        guard let run = runs[ref.runID], let target = run.shardDiscoveries[ref.jobID],
              let d = run.indexByID[ref.jobID], run.jobs[d].state == .succeeded, run.jobs[d].attempts == ref.attempt
        else { return [] }
        let kept = runs[ref.runID]!.shardListOutputs.removeValue(forKey: ref.jobID)
        let output = kept?.attempt == ref.attempt ? kept! : ShardListOutput(attempt: ref.attempt)
        guard let t = run.indexByID[target], run.jobs[t].state == .queued, let spec = run.jobs[t].planned.shard else { return [] }
        let planned: Result<[Shard], ShardingFailure>
        if output.overflowed {
            planned = .failure(ShardingFailure(
                reason: "the 'shard.list' command printed more than \(ShardDiscovery.maxListOutputBytes) bytes of test ids"))
        } else {
            let ids = ShardPlanner.testIDs(fromListOutput: String(decoding: output.bytes, as: UTF8.self))
            planned = planShards(run, run.jobs[t].planned, spec, testIDs: ids)
        }
        switch planned {
        case .success(let shards):
            let (actions, added) = replaceShardedJobs(ref.runID, shards: [run.jobs[t].planned.id: shards])
            return actions + resolveSkippedJobs(ref.runID, among: added, now: now)
        case .failure(let failure):
            return finishJob(run.jobs[t].ref(runID: ref.runID), index: t, state: .failed, exitCode: nil,
                             detail: failure.reason, now: now)
        }
    }
}
