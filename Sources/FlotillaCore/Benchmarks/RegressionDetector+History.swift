/// A confirmed regression found in a recorded history.
public struct RegressionFlag: Sendable, Equatable {
    /// The suspected commit (0-based index into the history): where the shift begins.
    public var commit: Int
    /// The machine class of that commit, if the history names machines.
    public var machine: String?
    /// Hodges–Lehmann shift of the suspect and its same-machine confirmations, relative to
    /// the baseline median.
    public var effect: Double
    /// Lower end of the effect's confidence interval.
    public var ciLow: Double
    /// Upper end of the effect's confidence interval.
    public var ciHigh: Double
    /// One-sided p-value of the suspect and its same-machine confirmations pooled.
    public var pValue: Double
    /// One-sided p-value of the suspect alone.
    public var suspectPValue: Double
    /// One-sided (Stouffer-combined) p-value of the confirming commits alone.
    public var confirmationPValue: Double
    /// The commits the suspect was judged against.
    public var baselineCommits: [Int]
    /// The later commits that confirmed it.
    public var confirmingCommits: [Int]
}

extension RegressionDetector {
    /// Finds confirmed regressions in a recorded history, oldest commit first.
    ///
    /// Commit k is suspected against earlier commits only; it is confirmed by the next
    /// `confirmationCommits` commits (a recording cannot re-run anything), each judged
    /// against its own machine class's baseline, which must on their own be significant at
    /// `confirmAlpha` and larger than the minimum effect, each showing at least half of it.
    /// So the decision on commit k reads commits 0...k+2 and nothing later, and a one-commit
    /// spike is not confirmed; it is left out of later baselines. After a confirmed
    /// regression every machine's baseline restarts at the flagged commit (the code changed
    /// for all of them), so a lasting regression is reported once. Commits without samples
    /// are skipped; a suspect in the last commit cannot be confirmed.
    /// - Parameters:
    ///   - samples: each commit's samples (higher is worse).
    ///   - machines: each commit's machine class, or `nil` when all ran on one class.
    public func detect(samples: [[Double]], machines: [String]? = nil) -> [RegressionFlag] {
        precondition(machines == nil || machines!.count == samples.count, "one machine per commit")
        let machineOf: (Int) -> String = { machines?[$0] ?? "" }
        var changePoint = 0
        var flags: [RegressionFlag] = []
        // Suspects the next commits contradicted (spikes): not part of any later baseline.
        var spikes = Set<Int>()
        for k in samples.indices where !samples[k].isEmpty {
            let machine = machineOf(k)
            guard let baseline = seriesBaseline(samples, machineOf, machine: machine, before: k, since: changePoint,
                                                  skipping: spikes)
            else { continue }
            let suspect = baseline.aligned(samples[k], at: k)
            let suspectTest = baseline.test(suspect)
            guard suspectTest.pValue < configuration.suspectAlpha,
                  baseline.effect(suspect, confidence: configuration.confidence).estimate > configuration.minEffect
            else { continue }

            let later = Array((k + 1)..<min(samples.count, k + 1 + configuration.confirmationCommits))
                .filter { !samples[$0].isEmpty }
            var machinesInOrder: [String] = []
            for j in later where !machinesInOrder.contains(machineOf(j)) { machinesInOrder.append(machineOf(j)) }
            var zs: [Double] = [], effects: [Double] = [], confirming: [Int] = []
            // Confirming samples as fractions of their own machine's baseline median, so that
            // the suspect can be compared with them across machine classes.
            var confirmingRelative: [Double] = []
            var persistent = true, reverted = true
            for other in machinesInOrder {
                let commits = later.filter { machineOf($0) == other }
                let reference = other == machine ? baseline
                    : seriesBaseline(samples, machineOf, machine: other, before: commits[0], since: changePoint,
                                     skipping: spikes)
                guard let reference else { continue }
                // Persistence: every later commit shows at least half the minimum effect on its own,
                // so a normal commit next to a spike or a later step cannot confirm anything.
                for j in commits {
                    let effect = reference.effect(reference.aligned(samples[j], at: j), confidence: configuration.confidence)
                    if effect.estimate <= configuration.minEffect / 2 { persistent = false } else { reverted = false }
                }
                let pooled = commits.flatMap { reference.aligned(samples[$0], at: $0) }
                zs.append(reference.test(pooled).z)
                effects.append(reference.effect(pooled, confidence: configuration.confidence).estimate)
                confirmingRelative += pooled.map(reference.relativeLevel)
                confirming += commits
            }
            guard !zs.isEmpty else { continue }
            guard persistent else {
                if reverted { spikes.insert(k) }
                continue
            }
            let confirmationP = RobustStatistics.normalUpperTail(zs.reduce(0, +) / Double(zs.count).squareRoot())
            guard confirmationP < configuration.confirmAlpha,
                  let rerunEffect = RobustStatistics.median(effects), rerunEffect > configuration.minEffect
            else { continue }
            // Onset: when the confirming runs sit clearly above the suspect, the change began
            // later (the suspect was noise or an outlier just before it); judge the next commit.
            if let onset = RankTests.mannWhitney(candidate: confirmingRelative, baseline: suspect.map(baseline.relativeLevel)),
               onset.pValue < configuration.onsetAlpha { continue }

            let window = suspect + confirming.filter { machineOf($0) == machine }
                .flatMap { baseline.aligned(samples[$0], at: $0) }
            let effect = baseline.effect(window, confidence: configuration.confidence)
            flags.append(RegressionFlag(commit: k, machine: machines == nil ? nil : machine,
                                        effect: effect.estimate, ciLow: effect.low, ciHigh: effect.high,
                                        pValue: baseline.test(window).pValue, suspectPValue: suspectTest.pValue,
                                        confirmationPValue: confirmationP, baselineCommits: baseline.commits,
                                        confirmingCommits: confirming.sorted()))
            changePoint = k
        }
        return flags
    }

    /// The baseline of `machine` just before commit `before`: its last non-empty runs at or
    /// after the last change point, without spikes.
    private func seriesBaseline(_ samples: [[Double]], _ machineOf: (Int) -> String, machine: String,
                                before: Int, since changePoint: Int, skipping spikes: Set<Int>) -> BenchmarkBaseline? {
        var runs: [(commit: Int, samples: [Double])] = []
        var j = before - 1
        while j >= changePoint && runs.count < configuration.baselineCommits {
            if !samples[j].isEmpty && machineOf(j) == machine && !spikes.contains(j) { runs.append((j, samples[j])) }
            j -= 1
        }
        return makeBaseline(runs.reversed())
    }
}
