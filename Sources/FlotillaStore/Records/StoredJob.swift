import FlotillaCore
import WireProtocol

/// One planned job of a stored run with its current state.
public struct StoredJob: Sendable, Equatable {
    public var runID: String
    /// The job exactly as planned at submission; `planned.id` is the job id.
    public var planned: PlannedJob
    /// Index in the run's plan order.
    public var position: Int
    public var state: JobState
    /// Human detail of the last state change: failing step, timeout, lost agent.
    public var detail: String

    public init(runID: String, planned: PlannedJob, position: Int, state: JobState, detail: String = "") {
        self.runID = runID; self.planned = planned; self.position = position; self.state = state; self.detail = detail
    }
}
