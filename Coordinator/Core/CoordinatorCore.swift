import FlotillaCore
import WireProtocol

/// The coordinator's pure state machine: registry of agents, runs and their jobs, placement.
///
/// Events come in as method calls named for what happened (`agentRegistered`,
/// `connectionClosed`, `received`), each with the current monotonic time; the returned
/// `CoordinatorAction`s are the only effects, performed by the driver (`CoordinatorServer`).
/// No sockets, clocks or files here, so every rule is unit-tested directly.
public struct CoordinatorCore: Sendable {
    /// Decides a job's `if:` given how its needs ended; `nil` uses GitHub's default (`success()`).
    public typealias ConditionEvaluator = @Sendable (_ condition: String, _ needs: NeedsOutcome) -> Bool

    /// How the jobs a job needs ended, for its `if:` condition.
    public enum NeedsOutcome: Sendable, Equatable { case success, failure, cancelled }

    public internal(set) var agents: [ConnectionID: AgentRecord] = [:]
    public internal(set) var runs: [String: RunRecord] = [:]
    /// Run ids in submission order; the scheduler serves them round-robin.
    public internal(set) var runOrder: [String] = []
    private var clients: Set<ConnectionID> = []
    /// Runs each client connection watches (`watchRun`), so a close forgets them without a scan.
    var watchedRuns: [ConnectionID: Set<String>] = [:]
    private var nextRunNumber: UInt64 = 1
    /// Attempts placed before a restart whose agent has not reported back yet (`+Recovery`).
    var reclaims: [JobRef: PendingReclaim] = [:]
    /// Benchmark attempts on agents: an agent running one gets no other placement.
    var exclusiveJobs: Set<JobRef> = []
    /// Agents held for a waiting benchmark job (by run and job id): they take no other job
    /// until it is placed, so a busy fleet cannot starve it of an idle agent.
    var benchmarkReservations: [ConnectionID: JobKey] = [:]
    /// Set while the driver cannot make decisions durable (its store fails): nothing new is
    /// placed; jobs already running go on.
    public var placementsHeld = false
    /// Placements made so far; runs served least recently go first, so runs take turns even
    /// when slots free up one at a time.
    var placementCount: UInt64 = 0
    private let runIDPrefix: String
    let conditionEvaluator: ConditionEvaluator?

    /// - Parameters:
    ///   - runIDPrefix: makes run ids unique across coordinator restarts (e.g. a start timestamp).
    ///   - conditionEvaluator: evaluates job `if:` expressions.
    public init(runIDPrefix: String, conditionEvaluator: ConditionEvaluator? = nil) {
        self.runIDPrefix = runIDPrefix
        self.conditionEvaluator = conditionEvaluator
    }

    /// Recorded test durations for shard balancing, by `timingKey`; asked once per sharded job
    /// when its test list is known, so it should be quick (an indexed read). Empty by default:
    /// every test is then assumed to take the same time.
    public var shardTimings: TimingHistoryProvider = { _ in [:] }

    /// Runs whose jobs or phase changed since the driver last asked (`takeChanges`).
    private var dirtyRuns: Set<String> = []

    /// Everything that changed since the last call, for the driver to make durable: each run's
    /// changed job indices (in order) and whether the run has finished.
    public mutating func takeChanges() -> [(runID: String, jobs: [Int])] {
        var changes: [(runID: String, jobs: [Int])] = []
        for runID in dirtyRuns.sorted() {
            guard let jobs = runs[runID]?.takeChangedJobs() else { continue }
            changes.append((runID, jobs))
        }
        dirtyRuns.removeAll()
        return changes
    }

    /// Marks a run for `takeChanges`; every path that changes a run's jobs calls it.
    mutating func touched(_ runID: String) { dirtyRuns.insert(runID) }

    // MARK: Connections

    /// An agent completed the handshake.
    ///
    /// The attempts it still runs (`Hello.runningJobs`) are reclaimed when the coordinator
    /// waits for them after a restart, and stopped otherwise (see `+Recovery`).
    ///
    /// - Parameter drained: the agent's stored drain flag; a drained agent gets no placements.
    public mutating func agentRegistered(_ connection: ConnectionID, hello: Hello, drained: Bool = false,
                                         now: UInt64) -> [CoordinatorAction] {
        if let existing = agents.values.first(where: { $0.name == hello.name }) {
            // A second process with the same certificate name: keep the one we know, refuse the newcomer.
            return [.close(connection, ProtocolErrorMessage(
                code: .notAuthorized,
                message: "an agent named '\(hello.name)' is already connected (connection \(existing.connection))"))]
        }
        agents[connection] = AgentRecord(connection: connection, hello: hello, now: now, drained: drained)
        return reclaim(hello.runningJobs, agent: connection, name: hello.name, now: now) + schedule(now: now)
    }

    /// A client completed the handshake.
    public mutating func clientRegistered(_ connection: ConnectionID) {
        clients.insert(connection)
    }

    /// Whether any connected agent carries all these labels.
    public func hasAgent(matching labels: [String]) -> Bool {
        agents.values.contains { Set(labels).isSubset(of: $0.labels) }
    }

    /// A connection went away (closed, failed, or missed its heartbeats).
    ///
    /// Jobs on a lost agent end as `agentLost`, never as a test failure; runs of a departed
    /// client are cancelled, since nobody is left to read their outcome.
    public mutating func connectionClosed(_ connection: ConnectionID, reason: String, now: UInt64) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        if let agent = agents.removeValue(forKey: connection) {
            for ref in agent.running.sorted(by: { ($0.runID, $0.jobID) < ($1.runID, $1.jobID) }) {
                let detail = "agent '\(agent.name)' lost: \(reason)"
                actions += requeue(ref, because: .agentLost, detail: detail, now: now)
                    ?? finishJob(ref, state: .agentLost, exitCode: nil, detail: detail, now: now)
            }
        }
        if clients.remove(connection) != nil {
            for runID in watchedRuns.removeValue(forKey: connection) ?? [] { runs[runID]?.watchers.remove(connection) }
            for runID in runOrder where runs[runID]?.client == connection && runs[runID]?.isFinished == false {
                runs[runID]?.client = nil
                // A detached run (`flotilla submit`) outlives its submitter; others have nobody left to report to.
                if runs[runID]?.detached == false {
                    actions += cancelJobs(of: runID, reason: "the submitting client disconnected", now: now)
                }
            }
        }
        return actions + schedule(now: now)
    }

    // MARK: Runs

    /// Accepts a planned run; jobs become schedulable once the bundle is stored.
    ///
    /// - Returns: the run id and actions: `RunAccepted` to the client, then a bundle request or placements.
    public mutating func runSubmitted(by client: ConnectionID?, submit: SubmitRun, plan: Plan,
                                      bundleAvailable: Bool, now: UInt64) -> (String, [CoordinatorAction]) {
        runSubmitted(id: makeRunID(), by: client, submit: submit, plan: plan, bundleAvailable: bundleAvailable, now: now)
    }

    /// The id the next run will get; the driver takes it first to make the run durable before accepting it.
    public mutating func makeRunID() -> String {
        defer { nextRunNumber += 1 }
        return "\(runIDPrefix)-\(nextRunNumber)"
    }

    /// Accepts a planned run under an id from `makeRunID()`.
    public mutating func runSubmitted(id runID: String, by client: ConnectionID?, submit: SubmitRun, plan: Plan,
                                      bundleAvailable: Bool, now: UInt64) -> (String, [CoordinatorAction]) {
        let (plan, discoveries) = ShardDiscovery.addingDiscoveryJobs(to: plan)
        var run = RunRecord(id: runID, client: client, submit: submit, plan: plan,
                            bundleAvailable: bundleAvailable, now: now)
        run.prepareShards(discoveries: discoveries)
        runs[runID] = run
        runOrder.append(runID)
        touched(runID)
        var actions: [CoordinatorAction] = []
        if let client {
            let summaries = plan.jobs.map { PlannedJobSummary(jobID: $0.id, name: $0.displayName) }
            actions.append(.send(client, .runAccepted(RunAccepted(runID: runID, jobs: summaries))))
            for job in run.jobs {
                actions.append(.send(client, .jobEvent(JobEvent(runID: runID, jobID: job.planned.id, state: .queued,
                                                                agentName: "", detail: ""))))
            }
            if !bundleAvailable {
                actions.append(.send(client, .bundleRequest(BundleRequest(sha256: submit.bundleSHA256))))
            }
        }
        if bundleAvailable { actions += resolveSkippedJobs(runID, now: now) + schedule(now: now) }
        return (runID, actions)
    }

    /// A bundle finished uploading and verified; runs waiting on it start.
    public mutating func bundleStored(sha256: String, now: UInt64) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        // Runs with `files:` shards start from `sourceFilesListed` instead, once split.
        for runID in runOrder where runs[runID]?.phase == .waitingForBundle && runs[runID]?.bundleSHA256 == sha256
            && runs[runID]?.awaitingSourceFiles == false {
            touched(runID)
            runs[runID]?.phase = .active
            actions += resolveSkippedJobs(runID, now: now)
        }
        return actions + schedule(now: now)
    }

    /// A bundle upload failed; runs waiting on it end in error.
    public mutating func bundleFailed(sha256: String, reason: String, now: UInt64) -> [CoordinatorAction] {
        var actions: [CoordinatorAction] = []
        for runID in runOrder where runs[runID]?.phase == .waitingForBundle && runs[runID]?.bundleSHA256 == sha256 {
            for i in runs[runID]!.jobs.indices {
                touched(runID)
                runs[runID]!.transition(i, to: .cancelled)
                runs[runID]!.jobs[i].detail = "source bundle upload failed: \(reason)"
            }
            actions += completeRun(runID, outcome: .error)
        }
        return actions
    }

    /// Cancels every unfinished job of a run; the slots it frees go to other runs.
    public mutating func cancelRun(_ runID: String, reason: String, now: UInt64) -> [CoordinatorAction] {
        guard let run = runs[runID], !run.isFinished else { return [] }
        return cancelJobs(of: runID, reason: reason, now: now) + schedule(now: now)
    }

    /// Cancels every unfinished job of a run and ends it, without placing anything.
    private mutating func cancelJobs(of runID: String, reason: String, now: UInt64) -> [CoordinatorAction] {
        guard let run = runs[runID], !run.isFinished else { return [] }
        var actions: [CoordinatorAction] = []
        for (i, job) in run.jobs.enumerated() where !job.state.isTerminal {
            if let agent = job.agentConnection, job.state == .assigned || job.state == .running {
                actions.append(.send(agent, .cancelJob(CancelJob(job: job.ref(runID: runID), reason: reason))))
            }
            actions += finishJob(job.ref(runID: runID), index: i, state: .cancelled, exitCode: nil, detail: reason, now: now)
        }
        // A run still waiting for its bundle is not completed by its jobs ending; end it here.
        if runs[runID]?.isFinished == false { actions += completeRun(runID, outcome: .cancelled) }
        return actions
    }

    // MARK: Agent reports

    /// A message from an established agent connection.
    public mutating func received(_ message: Message, from connection: ConnectionID, now: UInt64) -> [CoordinatorAction] {
        guard let agent = agents[connection] else { return [] }
        switch message {
        case .jobStarted(let started):
            guard agent.running.contains(started.job), let i = index(of: started.job) else { return [] }
            touched(started.job.runID)
            runs[started.job.runID]!.transition(i, to: .running)
            runs[started.job.runID]!.jobs[i].startedAt = now
            return notify(started.job.runID, i, state: .running, detail: "")
        case .stepStarted(let step):
            guard agent.running.contains(step.job), index(of: step.job) != nil else { return [] }
            return forwardToClient(step.job, .stepStarted(step))
        case .stepFinished(let step):
            guard let i = index(of: step.job), agent.running.contains(step.job) else { return [] }
            if step.outcome == .failure || step.outcome == .timedOut {
                let steps = runs[step.job.runID]!.jobs[i].planned.steps
                let name = Int(step.stepIndex) < steps.count ? steps[Int(step.stepIndex)].name : "#\(step.stepIndex)"
                runs[step.job.runID]!.jobs[i].detail = step.outcome == .timedOut
                    ? "step '\(name)' timed out" : "step '\(name)' exited with \(step.exitCode)"
            }
            return forwardToClient(step.job, .stepFinished(step))
        case .logChunk(let chunk):
            guard agent.running.contains(chunk.job) else { return [] }
            shardListOutputReceived(chunk)
            return forwardToClient(chunk.job, .logChunk(chunk))
        case .jobFinished(let finished):
            guard agent.running.contains(finished.job) else { return [] }
            let state: JobState
            switch finished.outcome {
            case .success: state = .succeeded
            case .failure: state = .failed
            case .timedOut: state = .timedOut
            case .cancelled: state = .cancelled
            case .skipped: state = .skipped
            }
            agents[connection]?.running.remove(finished.job)
            exclusiveJobs.remove(finished.job)
            let previous = index(of: finished.job).map { runs[finished.job.runID]!.jobs[$0].detail } ?? ""
            let detail = state == .timedOut && !previous.contains("timed out") ? "job timed out" : previous
            if state == .failed, let retried = requeue(finished.job, because: .failure, detail: detail, now: now) {
                return retried + schedule(now: now)
            }
            return finishJob(finished.job, state: state, exitCode: finished.exitCode,
                             detail: state == .succeeded ? "" : detail, now: now)
                + shardDiscoverySucceeded(finished.job, now: now) + schedule(now: now)
        default:
            return [.close(connection, ProtocolErrorMessage(
                code: .unexpectedMessage, message: "agents may not send \(message.messageType)"))]
        }
    }
}
