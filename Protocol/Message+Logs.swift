// Log messages: a client reads a run's stored job logs from the coordinator (`flotilla logs`).
//
// The exchange: FetchLogs; the coordinator answers LogListing (every attempt it will send, in
// order, or an error), then the attempts' LogChunks in that order (sequence order within an
// attempt), then CommandResult(ok: true) to close the answer. PROTOCOL.md, "Logs".

/// A client asks for the stored logs of a run, or of one job of it.
public struct FetchLogs: Sendable, Equatable {
    public var runID: String
    /// A job id or display name; empty for every job of the run.
    public var job: String
    public init(runID: String, job: String = "") { self.runID = runID; self.job = job }
}

/// One job attempt whose log follows.
public struct LogAttempt: Sendable, Equatable {
    public var jobID: String
    /// The job's display name.
    public var name: String
    public var attempt: UInt32
    public var agentName: String
    public init(jobID: String, name: String, attempt: UInt32, agentName: String) {
        self.jobID = jobID; self.name = name; self.attempt = attempt; self.agentName = agentName
    }
}

/// The coordinator's first answer to `FetchLogs`: the attempts whose chunks follow, or why none will.
public struct LogListing: Sendable, Equatable {
    public var runID: String
    public var attempts: [LogAttempt]
    /// Non-empty when the request cannot be answered (unknown run or job, unreadable store);
    /// nothing else follows then.
    public var error: String
    public init(runID: String, attempts: [LogAttempt], error: String = "") {
        self.runID = runID; self.attempts = attempts; self.error = error
    }
}
