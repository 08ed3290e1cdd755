/// One benchmark series over time, ready to chart and judge: a metric of one job on one
/// machine class, one point per run, oldest first.
public struct BenchmarkTrend: Sendable, Equatable {
    /// One run's samples.
    public struct Point: Sendable, Equatable {
        public var runID: String
        /// The source revision the run measured.
        public var revision: String
        /// Milliseconds since the Unix epoch.
        public var submittedAtMillis: Int64
        /// Finite values; may be empty.
        public var samples: [Double]
        /// Samples of the re-run a live performance gate made to confirm a suspected regression
        /// at this run; empty when none was made.
        public var rerun: [Double]

        public init(runID: String, revision: String, submittedAtMillis: Int64, samples: [Double], rerun: [Double] = []) {
            self.runID = runID; self.revision = revision; self.submittedAtMillis = submittedAtMillis; self.samples = samples
            self.rerun = rerun
        }
    }

    /// The pipeline file the job belongs to.
    public var pipeline: String
    /// The planned job id.
    public var job: String
    public var metric: String
    /// May be empty.
    public var unit: String
    public var lowerIsBetter: Bool
    public var machineClass: String
    /// Oldest first.
    public var points: [Point]

    public init(pipeline: String, job: String, metric: String, unit: String, lowerIsBetter: Bool, machineClass: String,
                points: [Point]) {
        self.pipeline = pipeline; self.job = job; self.metric = metric; self.unit = unit
        self.lowerIsBetter = lowerIsBetter; self.machineClass = machineClass; self.points = points
    }

    /// How many samples all points hold together.
    public var sampleCount: Int { points.reduce(0) { $0 + $1.samples.count } }
}
