import FlotillaCore

/// An unfinished run with everything needed to resume it after a restart.
public struct RecoveredRun: Sendable, Equatable {
    public var run: StoredRun
    /// In plan order.
    public var jobs: [StoredJob]
    /// The pipeline's gates, judged when every job has finished.
    public var gates: [GateSpec]
    /// Every attempt of every job, by job position then attempt number.
    public var attempts: [StoredAttempt]

    public init(run: StoredRun, jobs: [StoredJob], gates: [GateSpec], attempts: [StoredAttempt]) {
        self.run = run; self.jobs = jobs; self.gates = gates; self.attempts = attempts
    }
}
