/// One earlier run's samples of one benchmark series: a point of its history.
public struct BenchmarkPoint: Sendable, Equatable {
    public var runID: String
    /// The source revision the run measured.
    public var revision: String
    /// When the run was submitted (milliseconds since the Unix epoch).
    public var submittedAtMillis: Int64
    /// Every `.run` sample of the series in that run, by attempt, then iteration.
    public var samples: [Double]

    public init(runID: String, revision: String, submittedAtMillis: Int64, samples: [Double]) {
        self.runID = runID; self.revision = revision; self.submittedAtMillis = submittedAtMillis; self.samples = samples
    }
}

/// What names one benchmark series, with how its values read.
public struct BenchmarkSeriesKey: Sendable, Equatable, Hashable {
    public var pipeline: String
    public var job: String
    public var metric: String
    /// The unit of the series' newest sample.
    public var unit: String
    /// As its newest sample says.
    public var lowerIsBetter: Bool
    public var machineClass: String

    public init(pipeline: String, job: String, metric: String, unit: String, lowerIsBetter: Bool, machineClass: String) {
        self.pipeline = pipeline; self.job = job; self.metric = metric; self.unit = unit
        self.lowerIsBetter = lowerIsBetter; self.machineClass = machineClass
    }
}
