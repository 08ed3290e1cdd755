/// Decides whether benchmark samples show a performance regression: a shift that is
/// statistically significant, larger than a minimum effect, and persistent.
///
/// A commit is judged against a baseline of the last `baselineCommits` runs on the same
/// machine class since the last accepted change point. The test is one-sided Mann–Whitney
/// (higher is worse) on all samples, its variance inflated by the baseline's own
/// run-to-run heterogeneity (Kruskal–Wallis), and the effect is the Hodges–Lehmann shift
/// relative to the baseline median. A significant upward trend in the baseline is removed
/// first, so only an abrupt change counts. A commit that passes is only *suspected*: it is
/// confirmed when fresh runs (a re-run, or in a recorded history the next commits) show the
/// shift again on their own. The project README gives the justification and the figures
/// measured with `flotilla bench evaluate`.
public struct RegressionDetector: Sendable {
    /// The detector's thresholds.
    public struct Configuration: Sendable, Equatable {
        /// The smallest relative rise that counts (0.05 = 5%).
        public var minEffect: Double
        /// One-sided level at which one commit becomes suspect.
        public var suspectAlpha: Double
        /// One-sided level the confirming runs must reach on their own.
        public var confirmAlpha: Double
        /// One-sided level at which confirming runs above their suspect mean the change began later.
        public var onsetAlpha: Double
        /// Most commits in a baseline.
        public var baselineCommits: Int
        /// Fewest commits in a baseline before anything is judged.
        public var minimumBaselineCommits: Int
        /// How many later commits `flags` may wait for to confirm a suspect.
        public var confirmationCommits: Int
        /// One-sided Mann–Kendall level above which a baseline's upward trend is removed.
        public var trendAlpha: Double
        /// Fewest baseline commits in which a trend is looked for.
        public var minimumTrendCommits: Int
        /// Standard deviations of chance by which the baseline's run-to-run heterogeneity must
        /// exceed pure sampling before it widens the tests.
        public var heterogeneityMargin: Double
        /// Confidence of the reported effect interval.
        public var confidence: Double

        /// The defaults the README's figures were measured with.
        public init(minEffect: Double = 0.05, suspectAlpha: Double = 0.1, confirmAlpha: Double = 0.05, onsetAlpha: Double = 0.1,
                    baselineCommits: Int = 20, minimumBaselineCommits: Int = 5, confirmationCommits: Int = 2,
                    trendAlpha: Double = 0.05, minimumTrendCommits: Int = 8, heterogeneityMargin: Double = 2,
                    confidence: Double = 0.95) {
            self.minEffect = minEffect
            self.suspectAlpha = suspectAlpha
            self.confirmAlpha = confirmAlpha
            self.onsetAlpha = onsetAlpha
            self.baselineCommits = baselineCommits
            self.minimumBaselineCommits = minimumBaselineCommits
            self.confirmationCommits = confirmationCommits
            self.trendAlpha = trendAlpha
            self.minimumTrendCommits = minimumTrendCommits
            self.heterogeneityMargin = heterogeneityMargin
            self.confidence = confidence
        }
    }

    /// The verdict on one set of samples against a history.
    public struct Judgement: Sendable, Equatable {
        /// Significant at the suspect level and larger than the minimum effect.
        public var suspected: Bool
        /// Hodges–Lehmann shift relative to the baseline median (0.12 = 12% worse).
        public var effect: Double
        /// Lower end of the effect's confidence interval.
        public var ciLow: Double
        /// Upper end of the effect's confidence interval.
        public var ciHigh: Double
        /// One-sided p-value of the rank test.
        public var pValue: Double
    }

    /// The outcome of re-running a suspected benchmark.
    public struct Confirmation: Sendable, Equatable {
        /// The re-runs on their own are significant at the confirmation level and larger
        /// than the minimum effect.
        public var confirmed: Bool
        /// The suspect and its re-runs pooled against the baseline: the figures to report.
        public var judgement: Judgement
        /// One-sided p-value of the re-runs alone.
        public var rerunPValue: Double
    }

    public var configuration: Configuration

    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Judges `newSamples` against `history` (earlier runs of the same benchmark on the same
    /// machine class, oldest first) with the default thresholds.
    public static func judge(history: [[Double]], newSamples: [Double], minEffect: Double) -> Judgement {
        RegressionDetector(configuration: Configuration(minEffect: minEffect)).judge(history: history, newSamples: newSamples)
    }

    /// The commit indices of confirmed regressions in a recorded history (see `detect`).
    public static func flags(history: [[Double]], machines: [String]? = nil, minEffect: Double) -> [Int] {
        RegressionDetector(configuration: Configuration(minEffect: minEffect))
            .detect(samples: history, machines: machines).map(\.commit)
    }

    /// Judges `newSamples` against the last `baselineCommits` non-empty runs of `history`.
    ///
    /// With fewer than `minimumBaselineCommits` runs, or no new samples, nothing can be
    /// suspected: the judgement is neutral (effect 0, p-value 1).
    public func judge(history: [[Double]], newSamples: [Double]) -> Judgement {
        guard let baseline = baseline(from: history), !newSamples.isEmpty else { return .neutral }
        let samples = baseline.aligned(newSamples, at: history.count)
        let test = baseline.test(samples)
        let effect = baseline.effect(samples, confidence: configuration.confidence)
        return Judgement(suspected: test.pValue < configuration.suspectAlpha && effect.estimate > configuration.minEffect,
                         effect: effect.estimate, ciLow: effect.low, ciHigh: effect.high, pValue: test.pValue)
    }

    /// Decides whether re-runs confirm a suspect: on their own they must be significant at
    /// `confirmAlpha` and larger than the minimum effect, against the same baseline.
    ///
    /// - Parameters:
    ///   - history: the runs the suspect was judged against, oldest first.
    ///   - suspect: the suspected run's samples.
    ///   - reruns: each re-run's samples.
    public func confirm(history: [[Double]], suspect: [Double], reruns: [[Double]]) -> Confirmation {
        let fresh = reruns.filter { !$0.isEmpty }
        guard let baseline = baseline(from: history), !suspect.isEmpty, !fresh.isEmpty else {
            return Confirmation(confirmed: false, judgement: .neutral, rerunPValue: 1)
        }
        // Re-runs of the same commit sit at the suspect's time on the trend.
        let at = history.count
        let rerunSamples = baseline.aligned(fresh.flatMap { $0 }, at: at)
        let rerunTest = baseline.test(rerunSamples)
        let rerunEffect = baseline.effect(rerunSamples, confidence: configuration.confidence)
        let window = baseline.aligned(suspect, at: at) + rerunSamples
        let windowEffect = baseline.effect(window, confidence: configuration.confidence)
        let judgement = Judgement(suspected: true, effect: windowEffect.estimate, ciLow: windowEffect.low,
                                  ciHigh: windowEffect.high, pValue: baseline.test(window).pValue)
        return Confirmation(confirmed: rerunTest.pValue < configuration.confirmAlpha
                                && rerunEffect.estimate > configuration.minEffect,
                            judgement: judgement, rerunPValue: rerunTest.pValue)
    }

    /// A baseline from the last non-empty runs of a single-machine history, or `nil` when too short.
    private func baseline(from history: [[Double]]) -> BenchmarkBaseline? {
        let runs = history.enumerated().filter { !$0.element.isEmpty }.suffix(configuration.baselineCommits)
            .map { (commit: $0.offset, samples: $0.element) }
        return makeBaseline(Array(runs))
    }

    func makeBaseline(_ runs: [(commit: Int, samples: [Double])]) -> BenchmarkBaseline? {
        guard runs.count >= configuration.minimumBaselineCommits else { return nil }
        let trendZ = RobustStatistics.normalQuantile(1 - configuration.trendAlpha)
        return BenchmarkBaseline(runs: runs, trendZ: trendZ, minimumTrendRuns: configuration.minimumTrendCommits,
                                 heterogeneityMargin: configuration.heterogeneityMargin)
    }
}

extension RegressionDetector.Judgement {
    /// Nothing could be judged: no effect, no evidence.
    static let neutral = RegressionDetector.Judgement(suspected: false, effect: 0, ciLow: 0, ciHigh: 0, pValue: 1)
}
