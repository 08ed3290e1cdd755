/// The recent, stable history of one benchmark on one machine class, ready to judge new
/// commits against.
///
/// Built once per judged commit from the last few commits since the last accepted change
/// point. It removes a significant upward trend (slow drift must not read as a step),
/// measures how much its runs differ beyond their samples (the variance inflation every
/// rank test against it uses) and keeps the pooled, detrended samples.
struct BenchmarkBaseline {
    /// Commit indices (time) of the baseline's runs, oldest first.
    let commits: [Int]
    /// Every sample of every run, moved along the trend to the time of the last run.
    let pooled: [Double]
    /// Upward drift per commit that was removed (0 when no significant trend was found).
    let slope: Double
    /// Design effect of runs: H/(runs − 1) of Kruskal–Wallis across runs, at least 1.
    let inflation: Double
    /// The median of the pooled samples: effects are relative to it.
    let reference: Double

    /// - Parameters:
    ///   - runs: (commit index, samples) oldest first; every sample array non-empty.
    ///   - trendZ: Mann–Kendall z above which an upward trend is removed.
    ///   - minimumTrendRuns: fewer runs than this never count as a trend.
    ///   - heterogeneityMargin: see `RankTests.heterogeneity(of:margin:)`.
    init(runs: [(commit: Int, samples: [Double])], trendZ: Double, minimumTrendRuns: Int, heterogeneityMargin: Double) {
        precondition(!runs.isEmpty && runs.allSatisfy { !$0.samples.isEmpty }, "a baseline needs runs with samples")
        commits = runs.map(\.commit)
        let medians = runs.map { RobustStatistics.median($0.samples)! }
        var slope = 0.0
        if runs.count >= minimumTrendRuns, RankTests.mannKendall(medians) > trendZ,
           let fitted = RankTests.theilSenSlope(x: commits.map(Double.init), y: medians), fitted > 0 {
            slope = fitted
        }
        self.slope = slope
        let last = Double(commits.last!)
        let groups = runs.map { run in run.samples.map { $0 + slope * (last - Double(run.commit)) } }
        inflation = RankTests.heterogeneity(of: groups, margin: heterogeneityMargin)
        pooled = groups.flatMap { $0 }
        reference = RobustStatistics.median(pooled)!
    }

    /// Samples of a run at `commit`, moved back along the removed trend to the baseline's time.
    func aligned(_ samples: [Double], at commit: Int) -> [Double] {
        guard slope != 0 else { return samples }
        let offset = slope * Double(commit - commits.last!)
        return samples.map { $0 - offset }
    }

    /// The one-sided rank test that `samples` (already aligned) are larger than the baseline.
    func test(_ samples: [Double]) -> RankTests.MannWhitney {
        RankTests.mannWhitney(candidate: samples, baseline: pooled, varianceInflation: inflation)!
    }

    /// The shift of `samples` (already aligned) over the baseline, relative to its median,
    /// with a confidence interval.
    func effect(_ samples: [Double], confidence: Double) -> (estimate: Double, low: Double, high: Double) {
        let shift = RobustStatistics.shiftEstimate(candidate: samples, baseline: pooled, confidence: confidence,
                                                   varianceInflation: inflation)!
        return (relative(shift.estimate), relative(shift.low), relative(shift.high))
    }

    /// A sample (already aligned) as a fraction of the reference, comparable across machine classes.
    func relativeLevel(_ sample: Double) -> Double {
        reference != 0 ? sample / abs(reference) : sample
    }

    /// An absolute shift as a fraction of the reference; a zero reference makes any rise infinite.
    private func relative(_ shift: Double) -> Double {
        if reference != 0 { return shift / abs(reference) }
        return shift > 0 ? .infinity : (shift < 0 ? -.infinity : 0)
    }
}
