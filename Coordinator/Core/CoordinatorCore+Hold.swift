import WireProtocol

/// Taking placements back when the driver cannot record them (see `placementsHeld`).
extension CoordinatorCore {
    /// Takes back a placement whose `AssignJob` was never sent: the job is queued again as if
    /// it had not been placed (its attempt number included), and the agent's slot is free.
    ///
    /// - Returns: false when `ref` is not an attempt assigned and not yet started.
    public mutating func revokePlacement(_ ref: JobRef) -> Bool {
        guard let i = index(of: ref), let job = runs[ref.runID]?.jobs[i], job.state == .assigned else { return false }
        if let agent = job.agentConnection { agents[agent]?.running.remove(ref) }
        exclusiveJobs.remove(ref)
        touched(ref.runID)
        runs[ref.runID]!.transition(i, to: .queued)
        runs[ref.runID]!.jobs[i].attempts -= 1
        runs[ref.runID]!.jobs[i].agentConnection = nil
        runs[ref.runID]!.jobs[i].assignedAt = nil
        return true
    }

    /// Places every job that can start now; for the driver after lifting `placementsHeld`.
    public mutating func placeReadyJobs(now: UInt64) -> [CoordinatorAction] {
        schedule(now: now)
    }
}
