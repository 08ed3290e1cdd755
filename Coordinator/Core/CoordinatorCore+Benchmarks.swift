import FlotillaCore
import WireProtocol

/// Benchmark jobs: confirming a suspected regression with a re-run before the run ends.
extension CoordinatorCore {
    /// Adds a confirmation re-run of benchmark job `jobID` (see `BenchmarkConfirmation`); call
    /// before the job's own result is handed in, so the run cannot end in between.
    ///
    /// Nothing happens for a finished run, a job that is not a benchmark, a job that is itself
    /// a confirmation, or one that already has one. The run's watchers get a fresh
    /// `RunAccepted` with the new job list, then the new job's `queued` event.
    ///
    /// - Returns: the confirmation job's id (nil when none was added) and the actions.
    public mutating func confirmBenchmark(runID: String, jobID: String, machineClass: String, avoidAgent: String,
                                          now: UInt64) -> (String?, [CoordinatorAction]) {
        guard let run = runs[runID], !run.isFinished, let i = run.indexByID[jobID],
              run.jobs[i].planned.benchmark != nil, run.confirmations[jobID] == nil,
              !run.confirmations.values.contains(where: { $0.parent == jobID }) else { return (nil, []) }
        let id = BenchmarkConfirmation.id(parent: jobID, taken: Set(run.indexByID.keys))
        let planned = run.jobs.map(\.planned) + [BenchmarkConfirmation.job(confirming: run.jobs[i].planned, id: id)]
        runs[runID]!.replaceJobs(planned)
        runs[runID]!.confirmations[id] = BenchmarkConfirmation(parent: jobID, machineClass: machineClass,
                                                               avoidAgent: avoidAgent)
        touched(runID)
        let updated = runs[runID]!
        let summaries = updated.jobs.map { PlannedJobSummary(jobID: $0.planned.id, name: $0.planned.displayName) }
        var actions = updated.audience.map { CoordinatorAction.send($0, .runAccepted(RunAccepted(runID: runID, jobs: summaries))) }
        actions += notify(runID, updated.indexByID[id]!, state: .queued,
                          detail: "re-running to confirm a suspected regression measured on \(avoidAgent)")
        return (id, actions + schedule(now: now))
    }
}

extension CoordinatorCore {
    /// Whether a connected agent other than the one to avoid could take the confirmation: then
    /// the re-run waits for it, since a second machine of the class says more than the same one.
    func hasOtherAgent(for confirmation: BenchmarkConfirmation, labels: Set<String>) -> Bool {
        agents.values.contains { agent in
            agent.name != confirmation.avoidAgent && !agent.drained && labels.isSubset(of: agent.labels)
                && (confirmation.machineClass.isEmpty || agent.machineClass == confirmation.machineClass)
        }
    }
}

/// A job of a run, by ids (stable across job-list replacements, unlike an index).
struct JobKey: Hashable, Sendable {
    var runID: String
    var jobID: String

    init(runID: String, jobID: String) { self.runID = runID; self.jobID = jobID }

    /// The key of a scheduler candidate.
    init(_ candidate: Scheduler.Candidate, in runs: [String: RunRecord]) {
        self.init(runID: candidate.runID, jobID: runs[candidate.runID]?.jobs[candidate.jobIndex].planned.id ?? "")
    }
}

extension CoordinatorCore {
    /// Holds one agent for each benchmark job that could not be placed (no idle agent took it):
    /// the one with the fewest jobs among those that could run it, so it drains soonest.
    mutating func reserveAgents(for waiting: [Scheduler.Candidate]) {
        for candidate in waiting {
            let key = JobKey(candidate, in: runs)
            guard !benchmarkReservations.values.contains(key) else { continue }
            let eligible = agents.values.filter { agent in
                !agent.drained && benchmarkReservations[agent.connection] == nil && candidate.labels.isSubset(of: agent.labels)
                    && (candidate.machineClass.map { $0 == agent.machineClass } ?? true)
                    && !(candidate.avoidIsStrict && agent.name == candidate.avoidAgent)
            }
            guard let agent = eligible.min(by: { ($0.running.count, $0.name) < ($1.running.count, $1.name) }) else { continue }
            benchmarkReservations[agent.connection] = key
        }
    }

    /// Forgets reservations whose job is no longer waiting (placed, cancelled) or whose agent left or was drained.
    mutating func releaseStaleReservations() {
        guard !benchmarkReservations.isEmpty else { return }
        benchmarkReservations = benchmarkReservations.filter { connection, key in
            guard let agent = agents[connection], !agent.drained, let run = runs[key.runID],
                  let index = run.indexByID[key.jobID] else { return false }
            return run.jobs[index].state == .queued
        }
    }
}
