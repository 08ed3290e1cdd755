import FlotillaCore
import WireProtocol

/// A run read back from the store when the coordinator starts: what `CoordinatorCore.restore` resumes.
public struct RestoredRun: Sendable, Equatable {
    public var id: String
    /// The submission as stored (pipeline, bundle, revision, emergency).
    public var submit: SubmitRun
    /// The job list as stored (shards already split, discovery jobs included) and the gates.
    public var plan: Plan
    /// One entry per `plan.jobs` element, same order.
    public var jobs: [RestoredJob]
    /// Whether the run's source bundle is stored complete.
    public var bundleAvailable: Bool

    public init(id: String, submit: SubmitRun, plan: Plan, jobs: [RestoredJob], bundleAvailable: Bool) {
        precondition(plan.jobs.count == jobs.count, "one restored job per planned job")
        self.id = id; self.submit = submit; self.plan = plan; self.jobs = jobs; self.bundleAvailable = bundleAvailable
    }
}

/// One job's state as the store last recorded it.
public struct RestoredJob: Sendable, Equatable {
    public var state: JobState
    /// Attempts placed so far; the current (or last) attempt's number.
    public var attempts: UInt32
    /// The agent of the current attempt, when placed.
    public var agentName: String
    public var detail: String
    public var exitCode: Int32?
    /// Why earlier attempts were retried, oldest first.
    public var retryReasons: [RetryPolicy.Reason]

    public init(state: JobState, attempts: UInt32 = 0, agentName: String = "", detail: String = "",
                exitCode: Int32? = nil, retryReasons: [RetryPolicy.Reason] = []) {
        self.state = state; self.attempts = attempts; self.agentName = agentName; self.detail = detail
        self.exitCode = exitCode; self.retryReasons = retryReasons
    }
}

/// A job attempt that was placed when the coordinator stopped: its agent may still be running it.
public struct PendingReclaim: Sendable, Equatable {
    /// The agent the attempt was placed on.
    public var agentName: String
    /// Monotonic time after which the attempt counts as lost.
    public var deadline: UInt64
}
