/// What the regression detector says about one `BenchmarkTrend`: its confirmed changes and
/// how the newest run compares with its baseline, in the metric's own direction.
///
/// `RegressionDetector` reads higher as worse. A series where higher is better (throughput)
/// is handed to it negated, not inverted: its rank tests only need worse to be larger (any
/// decreasing map does that), and its effect is the Hodges–Lehmann shift divided by the
/// baseline median's absolute value, so for negated values the effect is exactly the
/// relative fall of the metric itself (−Δ/median), in the metric's units. A reciprocal
/// would report the rise of 1/x instead (a 10% drop would read 11.1%), and would break on
/// zero or negative values, which negation handles like any other.
public struct BenchmarkTrendAnalysis: Sendable, Equatable {
    /// A regression the detector confirmed (by the runs after it).
    public struct Change: Sendable, Equatable {
        /// Index of the suspected run in `BenchmarkTrend.points`.
        public var pointIndex: Int
        public var runID: String
        /// The suspected revision: where the shift begins.
        public var revision: String
        /// Relative change of the metric itself (0.12 = 12% higher values; negative for a
        /// throughput that fell), with its confidence interval.
        public var change: RelativeChange
        /// One-sided p-value of the suspect and its confirmations pooled.
        public var pValue: Double
        /// The runs that confirmed it.
        public var confirmingRunIDs: [String]
    }

    /// The newest run against the runs before it (`RegressionDetector.judge`).
    public struct Comparison: Sendable, Equatable {
        /// Relative change of the metric, with its confidence interval.
        public var change: RelativeChange
        /// One-sided p-value that the newest run is worse.
        public var pValue: Double
        /// Significant and larger than the minimum effect: what a live gate would re-run to confirm.
        public var suspected: Bool
        /// How many earlier runs with samples formed the baseline.
        public var baselineRuns: Int
        /// What the live gate's re-run said of a suspicion: nil when no re-run was made.
        public var confirmedByRerun: Bool?
    }

    /// A relative change with its confidence interval, all as fractions (0.05 = 5%).
    public struct RelativeChange: Sendable, Equatable {
        public var estimate: Double
        public var low: Double
        public var high: Double

        /// `+12.3% [8.1, 16.0]`: the estimate signed, the interval's ends in percent.
        public var label: String {
            "\(Self.percent(estimate, signed: true))% [\(Self.percent(low, signed: false)), \(Self.percent(high, signed: false))]"
        }

        static func percent(_ fraction: Double, signed: Bool) -> String {
            guard fraction.isFinite else { return fraction > 0 ? (signed ? "+inf" : "inf") : "-inf" }
            let value = (fraction * 1000).rounded() / 10
            let text = ChartNumberFormat.fixed(value == 0 ? 0 : value, decimals: 1)
            return signed && value >= 0 ? "+" + text : text
        }
    }

    /// Where `latest`'s baseline starts: the last confirmed change's point, else 0.
    public var baselineStart: Int
    /// Each point's median, `nil` for a point without samples.
    public var medians: [Double?]
    /// Confirmed regressions, oldest first.
    public var changes: [Change]
    /// The newest point against its baseline; `nil` when it has no samples or fewer than
    /// `minimumBaselineCommits` earlier points have.
    public var latest: Comparison?
    /// Points with samples from `baselineStart` up to the newest one (what `latest` needed).
    public var earlierRuns: Int
    /// The detector's thresholds used.
    public var configuration: RegressionDetector.Configuration

    /// Runs the detector over `trend` (one machine class, so no machine split).
    ///
    /// Changes come from `RegressionDetector.detect`: each run is judged from the runs before
    /// it and confirmed by the next `confirmationCommits`, so the newest runs cannot show a
    /// confirmed change yet. `latest` is `judge` of the newest run against the last
    /// `baselineCommits` runs before it since the last confirmed change, the point where the
    /// detector restarts its baselines (the level before a lasting change is no longer the
    /// reference, and mixing both would call every later run a regression again).
    public init(trend: BenchmarkTrend, configuration: RegressionDetector.Configuration = .init()) {
        self.configuration = configuration
        let lowerIsBetter = trend.lowerIsBetter
        let oriented = trend.points.map { point in point.samples.filter(\.isFinite).map { lowerIsBetter ? $0 : -$0 } }
        medians = trend.points.map { RobustStatistics.median($0.samples.filter(\.isFinite)) }
        let detector = RegressionDetector(configuration: configuration)
        changes = detector.detect(samples: oriented).map { flag in
            let point = trend.points[flag.commit]
            return Change(pointIndex: flag.commit, runID: point.runID, revision: point.revision,
                          change: Self.metricChange(effect: flag.effect, low: flag.ciLow, high: flag.ciHigh,
                                                    lowerIsBetter: lowerIsBetter),
                          pValue: flag.pValue, confirmingRunIDs: flag.confirmingCommits.map { trend.points[$0].runID })
        }
        baselineStart = changes.last?.pointIndex ?? 0
        let earlier = oriented.isEmpty ? [] : Array(oriented[min(baselineStart, oriented.count - 1)..<(oriented.count - 1)])
        earlierRuns = earlier.filter { !$0.isEmpty }.count
        latest = nil
        if let newest = oriented.last, !newest.isEmpty,
           min(earlierRuns, configuration.baselineCommits) >= configuration.minimumBaselineCommits {
            let judgement = detector.judge(history: earlier, newSamples: newest)
            let rerun = (trend.points.last?.rerun ?? []).filter(\.isFinite).map { lowerIsBetter ? $0 : -$0 }
            let confirmed = judgement.suspected && !rerun.isEmpty
                ? detector.confirm(history: earlier, suspect: newest, reruns: [rerun]).confirmed : nil
            latest = Comparison(change: Self.metricChange(effect: judgement.effect, low: judgement.ciLow,
                                                          high: judgement.ciHigh, lowerIsBetter: lowerIsBetter),
                                pValue: judgement.pValue, suspected: judgement.suspected,
                                baselineRuns: min(earlierRuns, configuration.baselineCommits), confirmedByRerun: confirmed)
        }
    }

    /// The detector's "worse by" effect as the metric's own relative change: the same for
    /// lower-is-better series; negated (and the interval's ends swapped) for higher-is-better ones.
    static func metricChange(effect: Double, low: Double, high: Double, lowerIsBetter: Bool) -> RelativeChange {
        lowerIsBetter ? RelativeChange(estimate: effect, low: low, high: high)
                      : RelativeChange(estimate: -effect, low: -high, high: -low)
    }
}
