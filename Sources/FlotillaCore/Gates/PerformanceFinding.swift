/// What a `performance` gate concluded about one benchmark series.
public struct PerformanceFinding: Sendable, Equatable {
    /// The conclusion, most severe last.
    public enum Conclusion: Sendable, Equatable {
        /// This run recorded no samples of the series: it cannot be judged.
        case noSamples
        /// Fewer earlier runs on the machine class than a baseline needs; passes.
        case noBaseline(earlierRuns: Int, needed: Int)
        /// No significant regression larger than min-effect; passes.
        case stable
        /// Suspected, but the re-run did not confirm it (its own one-sided p-value); passes.
        case unconfirmed(rerunPValue: Double)
        /// Suspected, and no re-run was made to confirm it; warns (an unconfirmed suspicion never fails).
        case notRechecked
        /// Confirmed by a re-run; `aboveMaximum` when larger than max-regression (fails), else warns.
        case regression(aboveMaximum: Bool)
    }

    public var evidence: PerformanceEvidence
    public var conclusion: Conclusion
    /// Relative change towards worse (0.12 = 12% worse): the Hodges–Lehmann shift against the
    /// baseline median; for a confirmed regression, of this run and its re-run pooled.
    public var worsening: Double
    /// Lower end of `worsening`'s confidence interval.
    public var worseningLow: Double
    /// Upper end of `worsening`'s confidence interval.
    public var worseningHigh: Double

    public init(evidence: PerformanceEvidence, conclusion: Conclusion, worsening: Double = 0, worseningLow: Double = 0,
                worseningHigh: Double = 0) {
        self.evidence = evidence; self.conclusion = conclusion
        self.worsening = worsening; self.worseningLow = worseningLow; self.worseningHigh = worseningHigh
    }

    /// How this series counts towards the gate.
    public enum Effect: Int, Sendable, Comparable {
        case passes, warns, fails, cannotJudge
        public static func < (a: Effect, b: Effect) -> Bool { a.rawValue < b.rawValue }
    }

    public var effect: Effect {
        switch conclusion {
        case .noSamples: return .cannotJudge
        case .noBaseline, .stable, .unconfirmed: return .passes
        case .notRechecked: return .warns
        case .regression(let above): return above ? .fails : .warns
        }
    }

    /// The change of the metric itself, with its interval, as reports show it: `+31.2% [27.0%, 35.5%]`
    /// for a time that rose, `-30.0% [-33.1%, -26.9%]` for a throughput that dropped.
    public var change: String {
        let (estimate, low, high) = evidence.lowerIsBetter ? (worsening, worseningLow, worseningHigh)
            : (-worsening, -worseningHigh, -worseningLow)
        return "\(Self.percent(estimate, signed: true)) [\(Self.percent(low, signed: false)), \(Self.percent(high, signed: false))]"
    }

    /// `parse_time (ms) on class c1, job bench (linux)`, naming the direction for metrics where higher is better.
    public var series: String {
        var qualifiers: [String] = []
        if !evidence.unit.isEmpty { qualifiers.append(evidence.unit) }
        if !evidence.lowerIsBetter { qualifiers.append("higher is better") }
        let metric = evidence.metric + (qualifiers.isEmpty ? "" : " (\(qualifiers.joined(separator: ", ")))")
        let job = evidence.jobName.isEmpty ? evidence.job : evidence.jobName
        return "\(metric) on class \(evidence.machineClass), job \(job)"
    }

    /// One line for the gate's detail.
    ///
    /// - Parameters:
    ///   - run: The run id, named as the suspected change when the evidence has no revision.
    ///   - maxRegressionPercent: The gate's max-regression, for the text.
    ///   - minEffectPercent: The gate's min-effect, for the text.
    public func line(run: String, maxRegressionPercent: Double, minEffectPercent: Double) -> String {
        var commit = !evidence.currentRevision.isEmpty ? "commit \(evidence.currentRevision)"
            : run.isEmpty ? "this run" : "run \(run)"
        // The last earlier run with samples is where a bisection would start.
        if let previous = Array(zip(evidence.history, evidence.historyRevisions)).last(where: { !$0.0.isEmpty && !$0.1.isEmpty })?.1 {
            commit += " (previous run: \(previous))"
        }
        let agent = evidence.confirmationAgent.map { $0.isEmpty ? "" : " on \($0)" } ?? ""
        let maxText = "max-regression \(GateFormat.number(maxRegressionPercent))%"
        switch conclusion {
        case .noSamples:
            return "\(series): this run recorded no samples"
        case let .noBaseline(earlier, needed):
            return "\(series): no baseline yet: \(earlier) earlier \(earlier == 1 ? "run" : "runs") on class "
                + "\(evidence.machineClass) (a baseline needs \(needed))"
        case .stable:
            return "\(series): \(change), no significant regression above min-effect \(GateFormat.number(minEffectPercent))%"
        case .unconfirmed(let p):
            return "\(series): suspected \(change) at \(commit), a suspected, unconfirmed change: "
                + "the re-run\(agent) did not confirm it (p = \(Self.pValue(p)))"
        case .notRechecked:
            return "\(series): suspected \(change) at \(commit), not confirmed: no re-run was made"
        case .regression(let above):
            let verdict = above ? "above \(maxText)" : "above min-effect \(GateFormat.number(minEffectPercent))%, within \(maxText)"
            return "\(series): \(change), confirmed by a re-run\(agent): \(verdict); suspected \(commit)"
        }
    }

    /// A fraction as a percentage with one decimal: `+31.2%`, `-4.0%`, `27.0%`.
    static func percent(_ fraction: Double, signed: Bool) -> String {
        guard fraction.isFinite else { return fraction > 0 ? "+inf%" : fraction < 0 ? "-inf%" : "n/a" }
        let tenths = Int((fraction * 1000).rounded())
        let sign = tenths < 0 ? "-" : (signed && tenths > 0 ? "+" : "")
        return "\(sign)\(tenths.magnitude / 10).\(tenths.magnitude % 10)%"
    }

    /// A p-value with three decimals (`0.412`), or `< 0.001`.
    static func pValue(_ p: Double) -> String {
        guard p >= 0.001 else { return "< 0.001" }
        let thousandths = Int((min(p, 1) * 1000).rounded())
        let digits = String(thousandths % 1000)
        return thousandths >= 1000 ? "1.000" : "0." + String(repeating: "0", count: 3 - digits.count) + digits
    }
}
