import WireProtocol

/// Questions about runs and jobs that artifact handling asks the core; pure reads.
extension CoordinatorCore {
    /// Why uploads for `ref` from `agent` are not accepted, or nil when `ref` is an attempt
    /// placed on that agent and not yet finished.
    public func artifactUploadRefusal(_ ref: JobRef, from agent: ConnectionID) -> String? {
        guard let record = agents[agent], record.running.contains(ref), let i = index(of: ref),
              let job = runs[ref.runID]?.jobs[i] else {
            return "job \(ref.jobID) attempt \(ref.attempt) is not running on this agent"
        }
        guard !job.state.isTerminal else {
            return "job \(ref.jobID) already ended (\(job.state)): \(job.detail.isEmpty ? "no details" : job.detail)"
        }
        return nil
    }

    /// The client following a run, when one is.
    public func client(ofRun runID: String) -> ConnectionID? {
        runs[runID]?.client
    }
}
