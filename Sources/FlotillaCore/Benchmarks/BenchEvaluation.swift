/// Scores a regression detector's flags against a corpus's ground truth.
///
/// A step at commit t is detected when a flag falls on t, t+1 or t+2. A flag on a spike
/// at s, or on s+1 or s+2, counts as a flagged spike. Every other flag is a false positive;
/// clean commits are commits 1...n−1 outside the step and spike windows (commit 0 has no
/// history, so no method can flag it).
public struct BenchScore: Sendable, Equatable {
    /// Steps planted and detected, for one step size.
    public struct Recall: Sendable, Equatable {
        public var size: Double
        public var steps: Int
        public var detected: Int

        public init(size: Double, steps: Int, detected: Int) {
            self.size = size
            self.steps = steps
            self.detected = detected
        }

        /// detected / steps, 0 without steps.
        public var rate: Double { steps == 0 ? 0 : Double(detected) / Double(steps) }
    }

    /// Recall per step size, in `BenchCorpusGenerator.stepSizes` order (sizes seen in the truth).
    public var recall: [Recall] = []
    public var cleanCommits = 0
    public var falsePositives = 0
    public var spikes = 0
    public var spikesFlagged = 0

    public init() {}

    /// False positives per 100 clean commits.
    public var falsePositivesPer100: Double {
        cleanCommits == 0 ? 0 : 100 * Double(falsePositives) / Double(cleanCommits)
    }

    /// Fraction of spikes flagged.
    public var spikeRate: Double { spikes == 0 ? 0 : Double(spikesFlagged) / Double(spikes) }

    /// The recall entry for a step size, if the corpus has such steps.
    public func recall(at size: Double) -> Recall? { recall.first { $0.size == size } }
}

public enum BenchEvaluation {
    /// Scores flags (one array per history, in corpus order) against the histories' truth.
    public static func score(truths: [BenchHistoryTruth], flags: [[Int]]) -> BenchScore {
        precondition(truths.count == flags.count, "one flag list per history")
        var score = BenchScore()
        var bySize: [Double: (steps: Int, detected: Int)] = [:]
        for (truth, flagged) in zip(truths, flags) {
            let flagSet = Set(flagged)
            var windows = Set<Int>()
            for step in truth.steps {
                let window = step.at...(step.at + 2)
                windows.formUnion(window)
                var entry = bySize[step.size] ?? (0, 0)
                entry.steps += 1
                if window.contains(where: flagSet.contains) { entry.detected += 1 }
                bySize[step.size] = entry
            }
            for spike in truth.spikes {
                let window = spike.at...(spike.at + 2)
                windows.formUnion(window)
                score.spikes += 1
                if window.contains(where: flagSet.contains) { score.spikesFlagged += 1 }
            }
            score.cleanCommits += (1..<max(truth.commits, 1)).filter { !windows.contains($0) }.count
            score.falsePositives += flagSet.filter { !windows.contains($0) }.count
        }
        let order = BenchCorpusGenerator.stepSizes + bySize.keys.filter { !BenchCorpusGenerator.stepSizes.contains($0) }.sorted()
        score.recall = order.compactMap { size in bySize[size].map { BenchScore.Recall(size: size, steps: $0.steps, detected: $0.detected) } }
        return score
    }

    /// Runs the detector and the naive rule over a corpus and scores both, overall and per noise kind.
    public static func evaluate(_ entries: [(truth: BenchHistoryTruth, history: BenchHistory)],
                                detector: RegressionDetector) -> BenchComparison {
        let detected = entries.map { detector.detect(samples: $0.history.samples, machines: $0.history.machines).map(\.commit) }
        let naive = entries.map { NaiveRegressionRule.flags(samples: $0.history.samples) }
        let truths = entries.map(\.truth)
        var byKind: [(kind: BenchNoiseKind, detector: BenchScore, naive: BenchScore)] = []
        for kind in BenchNoiseKind.allCases {
            let indices = truths.indices.filter { truths[$0].kind == kind }
            guard !indices.isEmpty else { continue }
            byKind.append((kind, score(truths: indices.map { truths[$0] }, flags: indices.map { detected[$0] }),
                           score(truths: indices.map { truths[$0] }, flags: indices.map { naive[$0] })))
        }
        return BenchComparison(histories: entries.count, detector: score(truths: truths, flags: detected),
                               naive: score(truths: truths, flags: naive), byKind: byKind)
    }
}

/// The detector's and the naive rule's scores on the same corpus.
public struct BenchComparison: Sendable {
    public var histories: Int
    public var detector: BenchScore
    public var naive: BenchScore
    public var byKind: [(kind: BenchNoiseKind, detector: BenchScore, naive: BenchScore)]
}
