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
