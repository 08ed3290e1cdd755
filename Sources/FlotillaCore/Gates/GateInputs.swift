/// How a job ended, as verdicts and `jobs` gates see it.
public enum JobConclusion: String, Sendable, Equatable, CaseIterable {
    case success
    case failure
    case timedOut = "timed-out"
    case cancelled
    /// The agent stopped heartbeating and the job ran out of attempts (not a test failure).
    case agentLost = "agent-lost"
    /// Not run: its `if:` was false or a job it needs did not succeed.
    case skipped
}

/// Everything gates read: the run's jobs, their result files and benchmark series.
public struct GateInputs: Sendable, Equatable {
    /// A finished job.
    public struct Job: Sendable, Equatable {
        /// The planned job id.
        public var id: String
        /// The key under `jobs:` (what a `jobs` gate lists).
        public var jobKey: String
        public var displayName: String
        public var status: JobConclusion
        /// `continue-on-error: true`: its failure does not fail the run (a `jobs` gate still sees it).
        public var continueOnError: Bool

        public init(id: String, jobKey: String, displayName: String, status: JobConclusion, continueOnError: Bool = false) {
            self.id = id; self.jobKey = jobKey; self.displayName = displayName; self.status = status
            self.continueOnError = continueOnError
        }

        /// Whether this job fails the run on its own, as it always has: failed, timed out or
        /// lost its agent without `continue-on-error`, or was cancelled.
        public var failsRun: Bool {
            switch status {
            case .failure, .timedOut, .agentLost: return !continueOnError
            case .cancelled: return true
            case .success, .skipped: return false
            }
        }
    }

    public var jobs: [Job]
    /// Result files of kinds junit, coverage and sarif, readable or not.
    public var results: [ResultFile]
    /// Benchmark series of the run, with their histories and any confirming re-runs
    /// (what `performance` gates judge).
    public var performance: [PerformanceEvidence]

    public init(jobs: [Job], results: [ResultFile] = [], performance: [PerformanceEvidence] = []) {
        self.jobs = jobs; self.results = results; self.performance = performance
    }
}
