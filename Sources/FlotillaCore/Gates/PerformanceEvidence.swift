/// One benchmark series of a run, as a `performance` gate judges it: this run's samples of one
/// metric of one job on one machine class, the history of that series, and the samples of a
/// re-run made to confirm a suspected regression.
///
/// The coordinator assembles it from stored samples. Values are in the metric's own units and
/// direction; `lowerIsBetter` says which way is worse (the gate turns it around as needed).
public struct PerformanceEvidence: Sendable, Equatable {
    /// The planned job id that ran the benchmark.
    public var job: String
    /// The job's display name, for reports.
    public var jobName: String
    /// The metric's name (`parse_time`, `requests_per_s`).
    public var metric: String
    /// The metric's unit (`ms`, `ops/s`); may be empty.
    public var unit: String
    /// True for times and sizes (a rise is a regression); false for throughputs (a drop is).
    public var lowerIsBetter: Bool
    /// The machine class the samples were taken on; baselines never mix classes.
    public var machineClass: String
    /// Earlier runs' samples of this series on `machineClass`, oldest first; a run without
    /// samples is an empty list.
    public var history: [[Double]]
    /// The source revision of each entry of `history` (same count), for reports.
    public var historyRevisions: [String]
    /// This run's samples.
    public var current: [Double]
    /// The source revision this run built; empty when unknown (reports name the run instead).
    public var currentRevision: String
    /// Samples of a re-run of the same revision made to confirm a suspected regression; nil
    /// when none was made.
    public var confirmation: [Double]?
    /// The agent that made the re-run, when one was made.
    public var confirmationAgent: String?

    public init(job: String, jobName: String, metric: String, unit: String, lowerIsBetter: Bool, machineClass: String,
                history: [[Double]], historyRevisions: [String], current: [Double], currentRevision: String,
                confirmation: [Double]? = nil, confirmationAgent: String? = nil) {
        self.job = job; self.jobName = jobName; self.metric = metric; self.unit = unit; self.lowerIsBetter = lowerIsBetter
        self.machineClass = machineClass; self.history = history; self.historyRevisions = historyRevisions
        self.current = current; self.currentRevision = currentRevision
        self.confirmation = confirmation; self.confirmationAgent = confirmationAgent
    }

    /// Earlier runs that have samples: what a baseline is built from.
    public var earlierRuns: Int { history.filter { !$0.isEmpty }.count }
}
