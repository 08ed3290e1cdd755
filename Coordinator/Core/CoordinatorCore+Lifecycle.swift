import FlotillaCore
import WireProtocol

/// Job state transitions, skip propagation, fail-fast and run completion.
extension CoordinatorCore {
    func index(of ref: JobRef) -> Int? {
        guard let run = runs[ref.runID], let i = run.indexByID[ref.jobID], run.jobs[i].attempts == ref.attempt else { return nil }
        return i
    }

    func notify(_ runID: String, _ i: Int, state: JobState, detail: String) -> [CoordinatorAction] {
        guard let run = runs[runID], let client = run.client else { return [] }
        let job = run.jobs[i]
        return [.send(client, .jobEvent(JobEvent(runID: runID, jobID: job.planned.id, state: state,
                                                 agentName: job.agentName, detail: detail)))]
    }

    func forwardToClient(_ ref: JobRef, _ message: Message) -> [CoordinatorAction] {
        guard let client = runs[ref.runID]?.client else { return [] }
        return [.send(client, message)]
    }

    /// Moves a job attempt to a terminal state and follows the consequences.
    mutating func finishJob(_ ref: JobRef, index: Int? = nil, state: JobState, exitCode: Int32?,
                            detail: String, now: UInt64) -> [CoordinatorAction] {
        precondition(state.isTerminal, "finishJob needs a terminal state")
        guard let i = index ?? self.index(of: ref), var run = runs[ref.runID], !run.jobs[i].state.isTerminal else { return [] }
        // A cancelled job keeps its agent slot until the agent reports it ended: its process
        // group may still be winding down, and the agent must not be handed more than its capacity.
        let stillOnAgent = state == .cancelled && (run.jobs[i].state == .assigned || run.jobs[i].state == .running)
        if let agent = run.jobs[i].agentConnection, !stillOnAgent {
            agents[agent]?.running.remove(run.jobs[i].ref(runID: ref.runID))
        }
        run.jobs[i].state = state
        run.jobs[i].finishedAt = now
        run.jobs[i].exitCode = exitCode
        run.jobs[i].detail = detail
        runs[ref.runID] = run
        var actions = notify(ref.runID, i, state: state, detail: detail)
        let job = run.jobs[i].planned
        if (state == .failed || state == .timedOut) && job.failFast && !job.matrixGroup.isEmpty && !job.continueOnError {
            actions += cancelSiblings(ref.runID, group: job.matrixGroup, failed: job.displayName, now: now)
        }
        actions += resolveSkippedJobs(ref.runID, now: now)
        return actions
    }

    /// Fail-fast: a failed matrix combination cancels its unfinished siblings.
    private mutating func cancelSiblings(_ runID: String, group: String, failed: String, now: UInt64) -> [CoordinatorAction] {
        guard let run = runs[runID] else { return [] }
        var actions: [CoordinatorAction] = []
        for (i, job) in run.jobs.enumerated() where job.planned.matrixGroup == group && !job.state.isTerminal {
            let reason = "cancelled by fail-fast: '\(failed)' failed"
            if let agent = job.agentConnection, job.state != .queued {
                actions.append(.send(agent, .cancelJob(CancelJob(job: job.ref(runID: runID), reason: reason))))
            }
            actions += finishJob(job.ref(runID: runID), index: i, state: .cancelled, exitCode: nil, detail: reason, now: now)
        }
        return actions
    }

    /// Queued jobs whose needs have all ended get their `if:` decided: skipped ones end here.
    mutating func resolveSkippedJobs(_ runID: String, now: UInt64) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        var changed = true
        while changed, let run = runs[runID], run.phase == .active {
            changed = false
            for (i, job) in run.jobs.enumerated() where job.state == .queued {
                guard let outcome = needsOutcome(run, job), !shouldRun(job, outcome) else { continue }
                let detail = outcome == .success ? "skipped: condition '\(job.planned.condition)' is false"
                    : "skipped: a job it needs did not succeed"
                actions += finishJob(job.ref(runID: runID), index: i, state: .skipped, exitCode: nil, detail: detail, now: now)
                changed = true
                break
            }
        }
        if let run = runs[runID], run.phase == .active, run.jobs.allSatisfy({ $0.state.isTerminal }) {
            actions += completeRun(runID, outcome: outcome(of: run))
        }
        return actions
    }

    /// nil while some need has not ended.
    func needsOutcome(_ run: RunRecord, _ job: JobRecord) -> NeedsOutcome? {
        var result = NeedsOutcome.success
        for need in job.planned.needs {
            guard let n = run.indexByID[need] else { continue }
            let other = run.jobs[n]
            guard other.state.isTerminal else { return nil }
            if other.state == .cancelled { result = .cancelled } else if !other.satisfiesNeeds && result != .cancelled { result = .failure }
        }
        return result
    }

    func shouldRun(_ job: JobRecord, _ needs: NeedsOutcome) -> Bool {
        if let evaluator = conditionEvaluator { return evaluator(job.planned.condition, needs) }
        let condition = String(job.planned.condition.filter { $0 != " " })
        switch condition {
        case "", "success()": return needs == .success
        case "always()": return true
        case "failure()": return needs == .failure
        case "cancelled()": return needs == .cancelled
        default: return needs == .success
        }
    }

    func outcome(of run: RunRecord) -> RunOutcome {
        if run.jobs.contains(where: { $0.state == .cancelled && !$0.detail.hasPrefix("cancelled by fail-fast") }) {
            return .cancelled
        }
        let failed = run.jobs.contains { job in
            switch job.state {
            case .failed, .timedOut, .agentLost: return !job.planned.continueOnError
            case .cancelled: return true
            default: return false
            }
        }
        return failed ? .failed : .succeeded
    }

    mutating func completeRun(_ runID: String, outcome: RunOutcome) -> [CoordinatorAction] {
        guard var run = runs[runID], !run.isFinished else { return [] }
        run.phase = .finished(outcome)
        runs[runID] = run
        runOrder.removeAll { $0 == runID }
        guard let client = run.client else { return [] }
        return [.send(client, .runFinished(RunFinished(runID: runID, outcome: outcome, jobs: run.summaries())))]
    }

    /// Places every job that can start now.
    mutating func schedule(now: UInt64) -> [CoordinatorAction] {
        // Least recently served first (ties: submission order): round-robin across calls, not just within one.
        let order = runOrder.enumerated()
            .sorted { (runs[$0.element]?.lastPlacement ?? 0, $0.offset) < (runs[$1.element]?.lastPlacement ?? 0, $1.offset) }
            .map(\.element)
        var candidates: [Scheduler.Candidate] = []
        for runID in order {
            guard let run = runs[runID], run.phase == .active else { continue }
            var activeInGroup: [String: Int] = [:]
            for job in run.jobs where job.state == .assigned || job.state == .running {
                activeInGroup[job.planned.matrixGroup, default: 0] += 1
            }
            for (i, job) in run.jobs.enumerated() where job.state == .queued {
                guard needsOutcome(run, job) != nil, shouldRun(job, needsOutcome(run, job)!) else { continue }
                let group = job.planned.matrixGroup
                if job.planned.maxParallel > 0, !group.isEmpty {
                    let active = activeInGroup[group, default: 0]
                    guard active < job.planned.maxParallel else { continue }
                    activeInGroup[group] = active + 1
                }
                candidates.append(Scheduler.Candidate(runID: runID, jobIndex: i, labels: Set(job.planned.runsOn),
                                                      chainLength: job.chainLength))
            }
        }
        let slots = agents.values.map { Scheduler.Slot(agent: $0.connection, name: $0.name, labels: $0.labels, free: $0.freeSlots) }
        var actions: [CoordinatorAction] = []
        for placement in Scheduler.place(candidates: candidates, runOrder: order, slots: slots) {
            actions += assign(placement.candidate, to: placement.agent, now: now)
        }
        return actions
    }

    private mutating func assign(_ candidate: Scheduler.Candidate, to agentID: ConnectionID, now: UInt64) -> [CoordinatorAction] {
        guard var run = runs[candidate.runID], let agent = agents[agentID] else { return [] }
        let i = candidate.jobIndex
        run.jobs[i].attempts += 1
        run.jobs[i].state = .assigned
        run.jobs[i].agentName = agent.name
        run.jobs[i].agentConnection = agentID
        run.jobs[i].assignedAt = now
        placementCount += 1
        run.lastPlacement = placementCount
        runs[candidate.runID] = run
        let ref = run.jobs[i].ref(runID: candidate.runID)
        agents[agentID]?.running.insert(ref)
        let assignment = JobAssignment.make(ref: ref, job: run.jobs[i].planned, bundleSHA256: run.bundleSHA256,
                                            bundleSize: run.bundleSize)
        return [.send(agentID, .assignJob(assignment))] + notify(candidate.runID, i, state: .assigned, detail: "")
    }
}

extension JobAssignment {
    /// The wire form of a planned job attempt.
    static func make(ref: JobRef, job: PlannedJob, bundleSHA256: String, bundleSize: UInt64) -> JobAssignment {
        JobAssignment(
            job: ref, name: job.displayName, bundleSHA256: bundleSHA256, bundleSize: bundleSize,
            env: job.env.map { EnvVar(name: $0.name, value: $0.value) },
            steps: job.steps.map { step in
                StepSpec(id: step.id, name: step.name, condition: step.condition, run: step.run,
                         shell: step.shell == "sh" ? .sh : .bash,
                         env: step.env.map { EnvVar(name: $0.name, value: $0.value) },
                         workingDirectory: step.workingDirectory, timeoutMillis: step.timeoutMillis,
                         continueOnError: step.continueOnError)
            },
            timeoutMillis: job.timeoutMillis)
    }
}
