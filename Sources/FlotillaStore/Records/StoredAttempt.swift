import WireProtocol

/// One placement of a job on an agent, and how it ended.
public struct StoredAttempt: Sendable, Equatable {
    /// Run, job and attempt number.
    public var ref: JobRef
    public var agentName: String
    /// `.assigned`, `.running`, or the terminal state the attempt ended in.
    public var state: JobState
    public var exitCode: Int32?
    public var assignedAt: Int64
    public var startedAt: Int64?
    /// Set once a result was recorded; a later result for the same attempt is ignored.
    public var finishedAt: Int64?
    /// Why it ended, for people: "agent 'a1' lost: heartbeat timeout", "step 'test' exited with 1".
    public var reason: String

    public init(ref: JobRef, agentName: String, state: JobState, exitCode: Int32? = nil, assignedAt: Int64,
                startedAt: Int64? = nil, finishedAt: Int64? = nil, reason: String = "") {
        self.ref = ref; self.agentName = agentName; self.state = state; self.exitCode = exitCode
        self.assignedAt = assignedAt; self.startedAt = startedAt; self.finishedAt = finishedAt; self.reason = reason
    }
}
