/// A benchmark job's repetitions: `benchmark: {repeat: R, warmup: W}`.
///
/// The agent runs all of the job's steps `warmup + repeatCount` times in one workspace,
/// warm-up iterations first, and reports the metrics of the measured ones only. The
/// coordinator places a benchmark job on an agent that runs nothing else meanwhile.
public struct BenchmarkSpec: Sendable, Equatable {
    /// Measured iterations (`repeat:`), `allowedRepeat`.
    public var repeatCount: Int
    /// Iterations run first whose metrics are discarded (`warmup:`), `allowedWarmup`.
    public var warmup: Int

    /// `repeat:` when omitted.
    public static let defaultRepeat = 5
    /// `warmup:` when omitted.
    public static let defaultWarmup = 1
    /// The `repeat:` values a pipeline may give.
    public static let allowedRepeat = 1...1_000
    /// The `warmup:` values a pipeline may give.
    public static let allowedWarmup = 0...100

    /// Creates a spec; the values must lie in `allowedRepeat` and `allowedWarmup`.
    public init(repeatCount: Int = BenchmarkSpec.defaultRepeat, warmup: Int = BenchmarkSpec.defaultWarmup) {
        precondition(Self.allowedRepeat.contains(repeatCount) && Self.allowedWarmup.contains(warmup),
                     "benchmark repeat \(repeatCount) / warmup \(warmup) out of range")
        self.repeatCount = repeatCount
        self.warmup = warmup
    }

    /// Every iteration the agent runs: `warmup + repeatCount`.
    public var totalIterations: Int { warmup + repeatCount }
}
