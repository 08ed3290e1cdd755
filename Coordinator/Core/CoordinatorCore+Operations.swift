import WireProtocol

/// Operator requests: following a run from another connection, draining agents.
extension CoordinatorCore {
    /// A client connection subscribes to an unfinished run's events.
    ///
    /// - Returns: `RunAccepted` with the current job list and a `JobEvent` per job with its
    ///   current state, to `connection`; nil when the run is unknown or already finished (the
    ///   driver answers those from the store).
    public mutating func watchRun(_ runID: String, by connection: ConnectionID) -> [CoordinatorAction]? {
        guard let run = runs[runID], !run.isFinished else { return nil }
        if run.client != connection {
            runs[runID]!.watchers.insert(connection)
            watchedRuns[connection, default: []].insert(runID)
        }
        let summaries = run.jobs.map { PlannedJobSummary(jobID: $0.planned.id, name: $0.planned.displayName) }
        var actions: [CoordinatorAction] = [.send(connection, .runAccepted(RunAccepted(runID: runID, jobs: summaries)))]
        for job in run.jobs {
            actions.append(.send(connection, .jobEvent(JobEvent(runID: runID, jobID: job.planned.id, state: job.state,
                                                                agentName: job.agentName, detail: job.detail))))
        }
        return actions
    }

    /// Drains the connected agent named `name` (no new placements; its jobs finish) or puts it back.
    ///
    /// - Returns: whether such an agent is connected, and the placements an undrained agent makes possible.
    public mutating func setAgentDrained(name: String, drained: Bool, now: UInt64) -> (connected: Bool, actions: [CoordinatorAction]) {
        guard let connection = agents.first(where: { $0.value.name == name })?.key else { return (false, []) }
        agents[connection]!.drained = drained
        return (true, drained ? [] : schedule(now: now))
    }
}
