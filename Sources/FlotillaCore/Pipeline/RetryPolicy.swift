/// When the coordinator runs a job again: `retry: {max: N, on: [agent-lost, failure]}`.
///
/// Without `retry:` a job is retried twice when its agent is lost and never on failure, so a
/// machine dying mid-job costs time, not a red build. An attempt that reached the agent counts.
public struct RetryPolicy: Sendable, Equatable {
    /// Why a job attempt ended, as far as retrying is concerned.
    public enum Reason: String, Sendable, Equatable, CaseIterable {
        case agentLost = "agent-lost"
        case failure
    }

    /// Extra attempts allowed after the first (0...10).
    public var maxRetries: Int
    public var on: Set<Reason>

    public static let maxAllowed = 10
    /// Two retries on agent loss, none on failure.
    public static let `default` = RetryPolicy(maxRetries: 2, on: [.agentLost])

    public init(maxRetries: Int, on: Set<Reason>) {
        self.maxRetries = maxRetries
        self.on = on
    }

    /// Whether an attempt numbered `attempt` (1-based) that ended for `reason` is tried again.
    public func retries(after attempt: UInt32, because reason: Reason) -> Bool {
        on.contains(reason) && Int(attempt) <= maxRetries
    }
}
