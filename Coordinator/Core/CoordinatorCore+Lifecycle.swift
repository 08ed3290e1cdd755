import FlotillaCore
import WireProtocol

/// Job state transitions, skip propagation, fail-fast and run completion.
extension CoordinatorCore {
    func index(of ref: JobRef) -> Int? {
        guard let run = runs[ref.runID], let i = run.indexByID[ref.jobID], run.jobs[i].attempts == ref.attempt else { return nil }
        return i
    }

    func notify(_ runID: String, _ i: Int, state: JobState, detail: String) -> [CoordinatorAction] {
        guard let run = runs[runID] else { return [] }
        let job = run.jobs[i]
        let event = Message.jobEvent(JobEvent(runID: runID, jobID: job.planned.id, state: state,
                                              agentName: job.agentName, detail: detail))
        return run.audience.map { .send($0, event) }
    }

    func forwardToClient(_ ref: JobRef, _ message: Message) -> [CoordinatorAction] {
        guard let run = runs[ref.runID] else { return [] }
        return run.audience.map { .send($0, message) }
    }

    /// Moves a job attempt to a terminal state and follows the consequences.
    mutating func finishJob(_ ref: JobRef, index: Int? = nil, state: JobState, exitCode: Int32?,
                            detail: String, now: UInt64) -> [CoordinatorAction] {
        precondition(state.isTerminal, "finishJob needs a terminal state")
        guard let i = index ?? self.index(of: ref), let current = runs[ref.runID]?.jobs[i], !current.state.isTerminal else {
            return []
        }
        // A cancelled job keeps its agent slot until the agent reports it ended: its process
        // group may still be winding down, and the agent must not be handed more than its capacity.
        let stillOnAgent = state == .cancelled && (current.state == .assigned || current.state == .running)
        if let agent = current.agentConnection, !stillOnAgent {
            agents[agent]?.running.remove(current.ref(runID: ref.runID))
            exclusiveJobs.remove(current.ref(runID: ref.runID))
        }
        // Mutated in place: copying a run's job list on every change made large runs quadratic.
        touched(ref.runID)
        runs[ref.runID]!.transition(i, to: state)
        runs[ref.runID]!.jobs[i].finishedAt = now
        runs[ref.runID]!.jobs[i].exitCode = exitCode
        runs[ref.runID]!.jobs[i].detail = detail
        var actions = notify(ref.runID, i, state: state, detail: detail)
        let job = current.planned
        if (state == .failed || state == .timedOut) && job.failFast && !job.matrixGroup.isEmpty && !job.continueOnError {
            actions += cancelSiblings(ref.runID, group: job.matrixGroup, failed: job.displayName, now: now)
        }
        // Before the dependents are resolved: a failed discovery fails its sharded job, not skips it.
        actions += shardJobEnded(ref.runID, i, state: state, detail: detail, now: now)
        actions += resolveSkippedJobs(ref.runID, among: runs[ref.runID]!.dependents[i], now: now)
        return actions
    }

    /// Puts a job whose attempt ended for `reason` back in the queue, when its `retry:` policy allows.
    ///
    /// - Returns: the actions, or nil when the policy says no and the caller ends the job.
    mutating func requeue(_ ref: JobRef, because reason: RetryPolicy.Reason, detail: String,
                          now: UInt64) -> [CoordinatorAction]? {
        guard let i = index(of: ref), let current = runs[ref.runID]?.jobs[i], !current.state.isTerminal,
              current.planned.retry.retries(after: ref.attempt, because: reason) else { return nil }
        if let agent = current.agentConnection { agents[agent]?.running.remove(ref) }
        exclusiveJobs.remove(ref)
        let note = "\(detail); retrying as attempt \(ref.attempt + 1) of \(current.planned.retry.maxRetries + 1)"
        touched(ref.runID)
        runs[ref.runID]!.transition(i, to: .queued)
        runs[ref.runID]!.jobs[i].agentConnection = nil
        runs[ref.runID]!.jobs[i].detail = note
        runs[ref.runID]!.jobs[i].retryReasons.append(reason)
        return notify(ref.runID, i, state: .queued, detail: note)
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
    ///
    /// - Parameter among: the jobs to look at (the dependents of a job that just ended); nil
    ///   looks at every queued job, as when a run starts. Skipping a job looks at its own
    ///   dependents in turn, through `finishJob`.
    mutating func resolveSkippedJobs(_ runID: String, among: [Int]? = nil, now: UInt64) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        guard let run = runs[runID], run.phase == .active else { return [] }
        for i in among ?? run.queued.sorted() {
            guard let run = runs[runID], run.phase == .active, run.jobs[i].state == .queued else { continue }
            let job = run.jobs[i]
            guard let outcome = needsOutcome(run, job), !shouldRun(job, outcome) else { continue }
            let detail = outcome == .success ? "skipped: condition '\(job.planned.condition)' is false"
                : "skipped: a job it needs did not succeed"
            actions += finishJob(job.ref(runID: runID), index: i, state: .skipped, exitCode: nil, detail: detail, now: now)
        }
        if let run = runs[runID], run.phase == .active, run.unfinishedCount == 0 {
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
        guard let current = runs[runID], !current.isFinished else { return [] }
        touched(runID)
        runs[runID]!.phase = .finished(outcome)
        let run = runs[runID]!
        runOrder.removeAll { $0 == runID }
        let finished = Message.runFinished(RunFinished(runID: runID, outcome: outcome, jobs: run.summaries()))
        return run.audience.map { .send($0, finished) }
    }

    /// Places every job that can start now.
    mutating func schedule(now: UInt64) -> [CoordinatorAction] {
        guard !placementsHeld else { return [] }
        releaseStaleReservations()
        // Drained agents finish what they run and take nothing new; one running a benchmark takes nothing else.
        let slots = agents.values.filter { $0.freeSlots > 0 && !$0.drained && $0.running.isDisjoint(with: exclusiveJobs) }
            .map { Scheduler.Slot(agent: $0.connection, name: $0.name, labels: $0.labels, free: $0.freeSlots,
                                  idle: $0.running.isEmpty, machineClass: $0.machineClass,
                                  reserved: benchmarkReservations[$0.connection] != nil) }
        // With the fleet busy, an event costs nothing here: most events arrive exactly then.
        let totalFree = slots.reduce(0) { $0 + $1.free }
        guard totalFree > 0 else { return [] }
        // Emergency runs first; then least recently served first (ties: submission order), so
        // runs take turns across calls, not just within one.
        func rank(_ item: (offset: Int, element: String)) -> (Int, UInt64, Int) {
            let run = runs[item.element]
            return (run?.emergency == true ? 0 : 1, run?.lastPlacement ?? 0, item.offset)
        }
        let order = runOrder.enumerated().sorted { rank($0) < rank($1) }.map(\.element)
        var candidates: [Scheduler.Candidate] = []
        for runID in order where runs[runID]?.phase == .active {
            candidates += readyCandidates(runID, slots: slots)
        }
        var actions: [CoordinatorAction] = []
        // Benchmarks are rare: only then is it worth noting which candidates were placed.
        let benchmarksReady = candidates.contains { $0.exclusive }
        var placed: Set<JobKey> = []
        for placement in Scheduler.place(candidates: candidates, runOrder: order, slots: slots) {
            if benchmarksReady { placed.insert(JobKey(placement.candidate, in: runs)) }
            actions += assign(placement.candidate, to: placement.agent, now: now)
        }
        if benchmarksReady {
            reserveAgents(for: candidates.filter { $0.exclusive && !placed.contains(JobKey($0, in: runs)) })
        }
        return actions
    }

    /// A run's jobs that may start now, best first: for each label set, at most as many as the
    /// free slots of the agents that can take it.
    ///
    /// Walks the run's fixed priority order from its first queued job and stops once every label
    /// set is served, so a large run costs the few jobs near its front, not a scan and sort of
    /// everything queued; a label set no free agent can take never stops the others.
    private mutating func readyCandidates(_ runID: String, slots: [Scheduler.Slot]) -> [Scheduler.Candidate] {
        runs[runID]!.advanceScanStart()
        let run = runs[runID]!
        var room: [Set<String>: Int] = [:]
        for labels in run.distinctLabelSets {
            room[labels] = slots.reduce(0) { $0 + (labels.isSubset(of: $1.labels) ? $1.free : 0) }
        }
        var openSets = room.values.filter { $0 > 0 }.count
        var activeInGroup = run.activeByGroup
        var candidates: [Scheduler.Candidate] = []
        var position = run.scanStart
        while position < run.priorityOrder.count && openSets > 0 {
            let i = run.priorityOrder[position]
            position += 1
            guard run.jobs[i].state == .queued, let left = room[run.labelSets[i]], left > 0 else { continue }
            guard let needs = needsOutcome(run, run.jobs[i]), shouldRun(run.jobs[i], needs) else { continue }
            let planned = run.jobs[i].planned
            if planned.maxParallel > 0, !planned.matrixGroup.isEmpty {
                let active = activeInGroup[planned.matrixGroup, default: 0]
                guard active < planned.maxParallel else { continue }
                activeInGroup[planned.matrixGroup] = active + 1
            }
            room[run.labelSets[i]] = left - 1
            if left == 1 { openSets -= 1 }
            let confirmation = run.confirmations[planned.id]
            candidates.append(Scheduler.Candidate(runID: runID, jobIndex: i, labels: run.labelSets[i],
                                                  chainLength: run.jobs[i].chainLength,
                                                  exclusive: planned.benchmark != nil,
                                                  machineClass: confirmation.flatMap { $0.machineClass.isEmpty ? nil : $0.machineClass },
                                                  avoidAgent: confirmation?.avoidAgent,
                                                  avoidIsStrict: confirmation.map { hasOtherAgent(for: $0, labels: run.labelSets[i]) } ?? false))
        }
        return candidates
    }

    private mutating func assign(_ candidate: Scheduler.Candidate, to agentID: ConnectionID, now: UInt64) -> [CoordinatorAction] {
        guard runs[candidate.runID] != nil, let agent = agents[agentID] else { return [] }
        let i = candidate.jobIndex
        placementCount += 1
        runs[candidate.runID]!.jobs[i].attempts += 1
        touched(candidate.runID)
        runs[candidate.runID]!.transition(i, to: .assigned)
        runs[candidate.runID]!.jobs[i].agentName = agent.name
        runs[candidate.runID]!.jobs[i].agentConnection = agentID
        runs[candidate.runID]!.jobs[i].assignedAt = now
        runs[candidate.runID]!.lastPlacement = placementCount
        let run = runs[candidate.runID]!
        let ref = run.jobs[i].ref(runID: candidate.runID)
        agents[agentID]?.running.insert(ref)
        if run.jobs[i].planned.benchmark != nil { exclusiveJobs.insert(ref) }
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
            timeoutMillis: job.timeoutMillis,
            artifacts: job.artifacts.map { spec in
                // By name, so a kind added to the pipeline model degrades to a plain file, not a crash.
                ArtifactRequest(path: spec.path, name: spec.name, kind: ArtifactKindCode(name: spec.kind.rawValue) ?? .file)
            },
            shardTests: job.shardTests,
            benchmark: job.benchmark.map { BenchmarkSettings(repeatCount: UInt32($0.repeatCount), warmup: UInt32($0.warmup)) })
    }
}
