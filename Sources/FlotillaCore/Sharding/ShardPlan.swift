/// One shard of a job: the tests it runs and how long they should take.
public struct Shard: Sendable, Equatable {
    /// 0-based, as in `FLOTILLA_SHARD_INDEX`.
    public var index: Int
    /// The test ids this shard runs, in the order they were listed.
    public var testIDs: [String]
    /// Sum of the tests' predicted durations.
    public var predictedSeconds: Double

    public init(index: Int, testIDs: [String], predictedSeconds: Double) {
        self.index = index; self.testIDs = testIDs; self.predictedSeconds = predictedSeconds
    }
}

/// The outcome of `ShardPlanner.plan`: the shards and what the planner had to assume.
public struct ShardPlan: Sendable, Equatable {
    /// How tests were distributed.
    public enum Method: String, Sendable, Equatable {
        /// Longest predicted duration first, each into the least-loaded shard.
        case longestFirst = "longest-first"
        /// No listed test has a recorded duration: dealt in list order, one shard after another.
        case roundRobin = "round-robin"
    }

    /// Between 1 and the requested count; never an empty shard unless the list itself is empty
    /// (then one shard with no tests).
    public var shards: [Shard]
    /// Ids listed more than once, each named once, in the order their repeat appeared; only the
    /// first occurrence was kept.
    public var duplicates: [String]
    /// Distinct tests with no recorded duration.
    public var testsWithoutHistory: Int
    /// The duration assumed for each of them: the median of the recorded ones, or
    /// `ShardPlanner.defaultTestSeconds` when none is recorded.
    public var assumedSeconds: Double
    public var method: Method

    public init(shards: [Shard], duplicates: [String], testsWithoutHistory: Int, assumedSeconds: Double, method: Method) {
        self.shards = shards; self.duplicates = duplicates; self.testsWithoutHistory = testsWithoutHistory
        self.assumedSeconds = assumedSeconds; self.method = method
    }

    /// The predicted duration of the slowest shard: the job's predicted wall time.
    public var predictedMakespan: Double { shards.map(\.predictedSeconds).max() ?? 0 }
    /// Every test's predicted duration added up.
    public var predictedTotalSeconds: Double { shards.reduce(0) { $0 + $1.predictedSeconds } }
}
