/// The `performance` gate's judgement of benchmark series, on top of `RegressionDetector`.
///
/// Each series is judged against its own history on its machine class. The detector's
/// convention is that higher is worse; a metric where higher is better (a throughput) is
/// negated first. Negation keeps the rank tests exact (they only see the order, reversed) and
/// keeps the effect in the metric's own terms, because the detector divides the shift by the
/// *magnitude* of the baseline median: a throughput that drops 30% reads as 30% worse. (A
/// reciprocal would call the same drop 43% worse, and `max-regression` would no longer mean a
/// change of the metric.)
///
/// Live runs confirm a suspicion by re-running the benchmark, so judging happens in two steps:
/// the coordinator asks `suspects` which series need a re-run, makes them, puts the re-run's
/// samples in `PerformanceEvidence.confirmation` and then judges the run. A suspicion that was
/// never re-run warns; it never fails the gate.
public enum PerformanceGate {
    /// The series that need a live re-run before the gates are judged: suspected by the detector
    /// at the gate's min-effect and not yet confirmed (no `confirmation`).
    ///
    /// - Parameters:
    ///   - evidence: This run's series.
    ///   - spec: A gate; only a `performance` gate suspects anything.
    /// - Returns: The suspected series, in the order given.
    public static func suspects(_ evidence: [PerformanceEvidence], spec: GateSpec) -> [PerformanceEvidence] {
        guard case .performance(_, let minEffect) = spec.rule else { return [] }
        return evidence.filter { $0.confirmation == nil && judgement($0, minEffectPercent: minEffect)?.suspected == true }
    }

    /// The series any of `gates` would want re-run (the smallest min-effect of the performance
    /// gates that will be judged decides); skipped gates of an emergency run want nothing.
    public static func suspects(_ evidence: [PerformanceEvidence], gates: [GateSpec], emergency: Bool = false) -> [PerformanceEvidence] {
        let judged = gates.filter { !emergency || $0.critical }
        let minEffects = judged.compactMap { gate -> Double? in
            if case .performance(_, let minEffect) = gate.rule { return minEffect } else { return nil }
        }
        guard let smallest = minEffects.min() else { return [] }
        return evidence.filter { $0.confirmation == nil && judgement($0, minEffectPercent: smallest)?.suspected == true }
    }

    /// Judges one series (see the type's documentation).
    ///
    /// - Parameters:
    ///   - evidence: The series, with the re-run's samples when one was made.
    ///   - maxRegressionPercent: A confirmed regression above this fails.
    ///   - minEffectPercent: Smaller changes are not regressions.
    public static func judge(_ evidence: PerformanceEvidence, maxRegressionPercent: Double, minEffectPercent: Double) -> PerformanceFinding {
        let detector = detector(minEffectPercent: minEffectPercent)
        let history = evidence.history.map { worse($0, evidence) }
        let current = worse(evidence.current, evidence)
        guard !current.isEmpty else { return PerformanceFinding(evidence: evidence, conclusion: .noSamples) }
        let earlier = history.filter { !$0.isEmpty }.count
        let needed = detector.configuration.minimumBaselineCommits
        guard earlier >= needed else {
            return PerformanceFinding(evidence: evidence, conclusion: .noBaseline(earlierRuns: earlier, needed: needed))
        }
        let suspicion = detector.judge(history: history, newSamples: current)
        func finding(_ conclusion: PerformanceFinding.Conclusion, _ j: RegressionDetector.Judgement) -> PerformanceFinding {
            PerformanceFinding(evidence: evidence, conclusion: conclusion, worsening: j.effect, worseningLow: j.ciLow, worseningHigh: j.ciHigh)
        }
        guard suspicion.suspected else { return finding(.stable, suspicion) }
        let rerun = evidence.confirmation.map { worse($0, evidence) } ?? []
        guard !rerun.isEmpty else { return finding(.notRechecked, suspicion) }
        let confirmation = detector.confirm(history: history, suspect: current, reruns: [rerun])
        guard confirmation.confirmed else { return finding(.unconfirmed(rerunPValue: confirmation.rerunPValue), suspicion) }
        let pooled = confirmation.judgement
        return finding(.regression(aboveMaximum: pooled.effect > maxRegressionPercent / 100), pooled)
    }

    /// The gate's outcome over every series: fails when a confirmed regression is above
    /// max-regression, warns on smaller confirmed regressions and on suspicions never re-run,
    /// cannot be judged without samples.
    static func outcome(maxRegressionPercent: Double, minEffectPercent: Double, _ evidence: [PerformanceEvidence],
                        run: String) -> GateOutcome {
        guard !evidence.isEmpty else { return .error("no benchmark samples were collected") }
        let findings = evidence.map { judge($0, maxRegressionPercent: maxRegressionPercent, minEffectPercent: minEffectPercent) }
        // Most severe first; stable order among equals keeps the detail deterministic.
        let ordered = findings.enumerated().sorted { (rank($0.element), $1.offset) > (rank($1.element), $0.offset) }.map(\.element)
        let lines = ordered.map { $0.line(run: run, maxRegressionPercent: maxRegressionPercent, minEffectPercent: minEffectPercent) }
        let unjudged = findings.filter { $0.effect == .cannotJudge }
        if !unjudged.isEmpty {
            let head = unjudged.count == 1 ? "a benchmark series has no samples in this run"
                : "\(unjudged.count) of \(findings.count) benchmark series have no samples in this run"
            return .error(head + ":\n" + GateEvaluator.list(Array(lines.prefix(unjudged.count))))
        }
        let confirmed = findings.filter { if case .regression = $0.conclusion { return true } else { return false } }
        let value: String
        if let worst = confirmed.max(by: { $0.worsening < $1.worsening }) {
            value = "\(worst.change.prefix { $0 != " " }) \(worst.evidence.metric) on \(worst.evidence.machineClass)"
        } else {
            let suspected = findings.filter { $0.conclusion == .notRechecked }.count
            let unjudged = findings.filter { if case .noBaseline = $0.conclusion { return true } else { return false } }.count
            if suspected > 0 {
                value = "\(suspected) unconfirmed \(suspected == 1 ? "suspect" : "suspects") in \(series(findings.count))"
            } else if unjudged == findings.count {
                value = "no baseline yet for \(series(findings.count))"
            } else {
                value = "no regression in \(series(findings.count - unjudged))" + (unjudged > 0 ? " (\(unjudged) without a baseline)" : "")
            }
        }
        let worst = findings.map(\.effect).max() ?? .passes
        var outcome = GateOutcome(met: worst != .fails, value: value, detail: summary(findings) + ":\n" + GateEvaluator.list(lines))
        outcome.warned = worst == .warns
        return outcome
    }

    /// `3 series: 1 above max-regression, 2 stable`.
    private static func summary(_ findings: [PerformanceFinding]) -> String {
        var counts: [(String, Int)] = [
            ("confirmed above max-regression", 0), ("confirmed within max-regression", 0), ("suspected, not re-run", 0),
            ("suspected, not confirmed by the re-run", 0), ("stable", 0), ("without a baseline yet", 0),
        ]
        for f in findings {
            switch f.conclusion {
            case .regression(let above): counts[above ? 0 : 1].1 += 1
            case .notRechecked: counts[2].1 += 1
            case .unconfirmed: counts[3].1 += 1
            case .stable: counts[4].1 += 1
            case .noBaseline: counts[5].1 += 1
            case .noSamples: break
            }
        }
        return series(findings.count) + ": " + counts.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
    }

    private static func series(_ n: Int) -> String { n == 1 ? "1 series" : "\(n) series" }

    /// Detail order: what cannot be judged, fails, warns, then passes (unconfirmed, stable, no baseline).
    private static func rank(_ f: PerformanceFinding) -> Int {
        switch f.conclusion {
        case .noSamples: return 6
        case .regression(let above): return above ? 5 : 4
        case .notRechecked: return 3
        case .unconfirmed: return 2
        case .stable: return 1
        case .noBaseline: return 0
        }
    }

    private static func detector(minEffectPercent: Double) -> RegressionDetector {
        RegressionDetector(configuration: RegressionDetector.Configuration(minEffect: minEffectPercent / 100))
    }

    /// The detector's judgement of this run's samples, or nil without samples or baseline.
    private static func judgement(_ evidence: PerformanceEvidence, minEffectPercent: Double) -> RegressionDetector.Judgement? {
        let detector = detector(minEffectPercent: minEffectPercent)
        let history = evidence.history.map { worse($0, evidence) }
        let current = worse(evidence.current, evidence)
        guard !current.isEmpty, history.filter({ !$0.isEmpty }).count >= detector.configuration.minimumBaselineCommits else { return nil }
        return detector.judge(history: history, newSamples: current)
    }

    /// Finite samples turned so that higher is worse.
    private static func worse(_ samples: [Double], _ evidence: PerformanceEvidence) -> [Double] {
        samples.filter(\.isFinite).map { evidence.lowerIsBetter ? $0 : -$0 }
    }
}
