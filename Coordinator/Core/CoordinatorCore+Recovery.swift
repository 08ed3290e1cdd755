import FlotillaCore
import WireProtocol

/// Resuming after a coordinator restart.
///
/// The store holds every run not yet finished, with each job's state and current attempt. A
/// job that was placed (assigned or running) when the old process died may still be running
/// on its agent: agents keep their jobs through a lost connection and list them in their next
/// `Hello.runningJobs`. Such an attempt is kept as a *pending reclaim* until its agent comes
/// back: reported → the agent keeps it and its (possibly resent) results count; not reported,
/// or not back within the reclaim window → it was lost, and its `retry:` policy decides
/// (agent-lost). An agent reporting an attempt nobody waits for is told to stop it, so
/// nothing runs twice.
extension CoordinatorCore {
    /// Puts a stored run back, as it was; call for every unfinished run, oldest first, before
    /// any agent connects.
    ///
    /// Restored runs have no submitter connection and are treated as detached: a client follows
    /// one again with `WatchRun` (`flotilla wait`). Placed attempts wait `reclaimWindowMillis`
    /// for their agent. Changes made here are not reported by `takeChanges`: they are what the
    /// store already holds.
    ///
    /// - Returns: actions for runs that can move on at once (skips resolved, runs whose jobs
    ///   had all ended completed); `schedule` places nothing until agents connect.
    public mutating func restore(_ restored: RestoredRun, reclaimWindowMillis: UInt64, now: UInt64) -> [CoordinatorAction] {
        var submit = restored.submit
        submit.detached = true
        var run = RunRecord(id: restored.id, client: nil, submit: submit, plan: restored.plan,
                            bundleAvailable: restored.bundleAvailable, now: now)
        run.prepareShards(discoveries: Self.discoveries(in: restored.plan.jobs))
        run.confirmations = BenchmarkConfirmation.recovered(from: restored.plan.jobs)
        for (i, job) in restored.jobs.enumerated() {
            run.jobs[i].attempts = job.attempts
            run.jobs[i].agentName = job.agentName
            run.jobs[i].detail = job.detail
            run.jobs[i].exitCode = job.exitCode
            run.jobs[i].retryReasons = job.retryReasons
            run.transition(i, to: job.state)
            if job.state == .assigned || job.state == .running {
                run.jobs[i].assignedAt = now
                reclaims[run.jobs[i].ref(runID: run.id)] = PendingReclaim(agentName: job.agentName,
                                                                         deadline: now + reclaimWindowMillis)
            }
            if job.state.isTerminal { run.jobs[i].finishedAt = now }
        }
        _ = run.takeChangedJobs()
        runs[run.id] = run
        runOrder.append(run.id)
        return resolveSkippedJobs(run.id, now: now)
    }

    /// Placed attempts still waiting for their agent after a restart.
    public var pendingReclaimCount: Int { reclaims.count }

    /// The agent that just registered reports `running`: its pending attempts are reclaimed,
    /// the pending ones it does not report are lost, and anything else it runs is stopped.
    mutating func reclaim(_ running: [JobRef], agent connection: ConnectionID, name: String,
                          now: UInt64) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        let reported = Set(running)
        for ref in running.sorted(by: { ($0.runID, $0.jobID, $0.attempt) < ($1.runID, $1.jobID, $1.attempt) }) {
            if let pending = reclaims[ref], pending.agentName == name, let i = index(of: ref),
               let job = runs[ref.runID]?.jobs[i], job.state == .assigned || job.state == .running {
                reclaims[ref] = nil
                if runs[ref.runID]!.shardDiscoveries[ref.jobID] != nil {
                    // The test list it printed so far died with the old process: list again.
                    let detail = "the coordinator restarted while the job listed tests"
                    actions.append(.send(connection, .cancelJob(CancelJob(job: ref, reason: detail))))
                    actions += requeue(ref, because: .agentLost, detail: detail, now: now)
                        ?? finishJob(ref, state: .agentLost, exitCode: nil, detail: detail, now: now)
                    continue
                }
                runs[ref.runID]!.jobs[i].agentConnection = connection
                agents[connection]?.running.insert(ref)
                if job.planned.benchmark != nil { exclusiveJobs.insert(ref) }
                continue
            }
            if agents[connection]?.running.contains(ref) == true { continue }
            // Finished, placed elsewhere since, or unknown: it must not go on (or be reported) twice.
            actions.append(.send(connection, .cancelJob(CancelJob(
                job: ref, reason: "the coordinator no longer runs attempt \(ref.attempt) of this job"))))
        }
        let missing = reclaims.filter { $0.value.agentName == name && !reported.contains($0.key) }.map(\.key)
        for ref in missing.sorted(by: { ($0.runID, $0.jobID) < ($1.runID, $1.jobID) }) {
            reclaims[ref] = nil
            let detail = "agent '\(name)' lost: it no longer ran the job when it reconnected after the coordinator restarted"
            actions += requeue(ref, because: .agentLost, detail: detail, now: now)
                ?? finishJob(ref, state: .agentLost, exitCode: nil, detail: detail, now: now)
        }
        return actions
    }

    /// Pending attempts whose agent did not come back in time are lost; call on a timer.
    public mutating func reclaimsExpired(now: UInt64) -> [CoordinatorAction] {
        guard !reclaims.isEmpty else { return [] }
        var actions: [CoordinatorAction] = []
        let expired = reclaims.filter { $0.value.deadline <= now }
        for (ref, pending) in expired.sorted(by: { ($0.key.runID, $0.key.jobID) < ($1.key.runID, $1.key.jobID) }) {
            reclaims[ref] = nil
            let detail = "agent '\(pending.agentName)' lost: not back after the coordinator restarted"
            actions += requeue(ref, because: .agentLost, detail: detail, now: now)
                ?? finishJob(ref, state: .agentLost, exitCode: nil, detail: detail, now: now)
        }
        return expired.isEmpty ? [] : actions + schedule(now: now)
    }

    /// Per discovery job id, the `list:`-sharded placeholder it discovers tests for, read back
    /// from a stored job list (the placeholder needs its discovery job).
    static func discoveries(in jobs: [PlannedJob]) -> [String: String] {
        let ids = Dictionary(jobs.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var map: [String: String] = [:]
        for job in jobs {
            guard let spec = job.shard, case .list = spec.source else { continue }
            for need in job.needs {
                guard let discovery = ids[need], discovery.steps.count == 1,
                      discovery.steps[0].name == ShardDiscovery.stepName, discovery.shard == nil else { continue }
                map[need] = job.id
            }
        }
        return map
    }
}
