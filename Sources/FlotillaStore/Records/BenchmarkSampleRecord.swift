/// Why a benchmark sample was measured.
public enum BenchmarkSamplePurpose: String, Sendable, Equatable, CaseIterable {
    /// The run's own measurement of its benchmark job: part of the series' history.
    case run
    /// A re-run to confirm a suspected regression. Kept apart so a confirmation (often on
    /// another agent, possibly of a slower moment) never becomes a later run's baseline.
    case confirm
}

/// One measured value of one benchmark metric: one iteration of one attempt of a benchmark
/// job in one run, on one machine class.
///
/// A series is (`pipeline`, `job`, `metric`, `machineClass`); baselines compare only within one.
/// A sample is identified by (`runID`, `job`, `attempt`, `metric`, `iteration`, `purpose`).
public struct BenchmarkSampleRecord: Sendable, Equatable {
    public var runID: String
    /// The pipeline file as submitted, without a leading `./` (as in the test-timing keys,
    /// `CoordinatorCore.timingKey`): `ci.yml`, `.github/workflows/bench.yml`.
    public var pipeline: String
    /// The planned job's id (a matrix cell has its own, so its own series).
    public var job: String
    public var metric: String
    /// As reported (`ns`, `ms`, `MB/s`); may be empty.
    public var unit: String
    /// True for times and sizes; false for throughputs and scores.
    public var lowerIsBetter: Bool
    public var machineClass: String
    /// The agent that measured it.
    public var agent: String
    /// The run's source revision (`StoredRun.sourceRevision`).
    public var revision: String
    /// The job attempt for `.run` samples; for `.confirm`, which re-run of the job it was.
    public var attempt: Int
    /// 0-based measured repetition (warm-up repetitions are not samples).
    public var iteration: Int
    /// Finite.
    public var value: Double
    public var purpose: BenchmarkSamplePurpose
    /// Milliseconds since the Unix epoch, as the caller supplied them.
    public var recordedAtMillis: Int64

    public init(runID: String, pipeline: String, job: String, metric: String, unit: String, lowerIsBetter: Bool,
                machineClass: String, agent: String, revision: String, attempt: Int, iteration: Int, value: Double,
                purpose: BenchmarkSamplePurpose = .run, recordedAtMillis: Int64) {
        self.runID = runID; self.pipeline = pipeline; self.job = job; self.metric = metric; self.unit = unit
        self.lowerIsBetter = lowerIsBetter; self.machineClass = machineClass; self.agent = agent
        self.revision = revision; self.attempt = attempt; self.iteration = iteration; self.value = value
        self.purpose = purpose; self.recordedAtMillis = recordedAtMillis
    }
}
