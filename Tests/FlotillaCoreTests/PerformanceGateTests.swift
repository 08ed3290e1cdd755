import Testing
import FlotillaCore

/// Seeded benchmark series for `performance` gate tests.
struct PerformanceSeries {
    var rng: SeededGenerator
    var repeats = 10

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    /// `runs` runs of `repeats` gaussian samples around `level` with coefficient of variation `cv`.
    mutating func runs(_ runs: Int, level: Double, cv: Double = 0.03) -> [[Double]] {
        (0..<runs).map { _ in samples(level: level, cv: cv) }
    }

    mutating func samples(level: Double, cv: Double = 0.03) -> [Double] {
        (0..<repeats).map { _ in level * (1 + cv * rng.gaussian()) }
    }

    /// Samples from two modes (`level` and `level × (1 + gap)`), each sample picking one at random.
    mutating func bimodal(level: Double, gap: Double, cv: Double = 0.02) -> [Double] {
        (0..<repeats).map { _ in (rng.chance(0.5) ? level : level * (1 + gap)) * (1 + cv * rng.gaussian()) }
    }

    /// Evidence with `history` and this run's `current` samples on class `c1`.
    static func evidence(history: [[Double]], current: [Double], confirmation: [Double]? = nil, agent: String? = nil,
                         metric: String = "parse_time", unit: String = "ms", lowerIsBetter: Bool = true,
                         revision: String = "abc123") -> PerformanceEvidence {
        PerformanceEvidence(job: "bench-linux", jobName: "bench (linux)", metric: metric, unit: unit, lowerIsBetter: lowerIsBetter,
                            machineClass: "c1", history: history, historyRevisions: history.indices.map { "r\($0)" },
                            current: current, currentRevision: revision, confirmation: confirmation, confirmationAgent: agent)
    }
}

@Suite("Gates: performance")
struct PerformanceGateTests {
    static let gate = GateSpec(name: "speed", rule: .performance(maxRegressionPercent: 20, minEffectPercent: 5))

    static func evaluate(_ evidence: [PerformanceEvidence], gate: GateSpec = gate, emergency: Bool = false, run: String = "run-1") -> GateResult {
        GateEvaluator.evaluate(gates: [gate], inputs: GateInputs(jobs: [GateFixture.job("bench-linux")], performance: evidence),
                               emergency: emergency, run: run)[0]
    }

    @Test func stableHistoriesPass() {
        for seed in UInt64(1)...15 {
            var s = PerformanceSeries(seed: seed)
            let e = PerformanceSeries.evidence(history: s.runs(20, level: 100), current: s.samples(level: 100))
            let result = Self.evaluate([e])
            #expect(result.status == .pass, "seed \(seed): \(result.detail)")
            #expect(result.value == "no regression in 1 series")
            #expect(result.detail.hasPrefix("1 series: 1 stable:\n- parse_time (ms) on class c1, job bench (linux): "), "\(result.detail)")
            #expect(PerformanceGate.suspects([e], spec: Self.gate).isEmpty, "seed \(seed)")
        }
    }

    @Test func aConfirmedThirtyPercentStepFailsNamingTheMetric() throws {
        var s = PerformanceSeries(seed: 7)
        let history = s.runs(20, level: 100)
        let current = s.samples(level: 130)
        let suspect = PerformanceSeries.evidence(history: history, current: current)
        // Before judging, the coordinator learns this series needs a re-run.
        #expect(PerformanceGate.suspects([suspect], spec: Self.gate) == [suspect])
        #expect(PerformanceGate.suspects([suspect], gates: [Self.gate]) == [suspect])

        let confirmed = PerformanceSeries.evidence(history: history, current: current, confirmation: s.samples(level: 130), agent: "agent-b")
        #expect(PerformanceGate.suspects([confirmed], spec: Self.gate).isEmpty)
        let finding = PerformanceGate.judge(confirmed, maxRegressionPercent: 20, minEffectPercent: 5)
        #expect(finding.conclusion == .regression(aboveMaximum: true))
        #expect(abs(finding.worsening - 0.30) < 0.04 && finding.worseningLow < finding.worsening && finding.worsening < finding.worseningHigh)

        let result = Self.evaluate([confirmed])
        #expect(result.status == .fail)
        #expect(result.threshold == "max-regression 20%, min-effect 5%")
        #expect(result.value.hasPrefix("+") && result.value.hasSuffix("% parse_time on c1"), "\(result.value)")
        let line = try #require(result.detail.split(separator: "\n").dropFirst().first.map(String.init))
        #expect(line.hasPrefix("- parse_time (ms) on class c1, job bench (linux): +"), "\(line)")
        #expect(line.contains(finding.change) && line.contains(", confirmed by a re-run on agent-b: above max-regression 20%; suspected commit abc123"),
                "\(line)")
        #expect(result.detail.hasPrefix("1 series: 1 confirmed above max-regression:"))
        // The interval is written as [low, high] with one decimal.
        #expect(finding.change.wholeMatch(of: /\+\d+\.\d% \[\d+\.\d%, \d+\.\d%\]/) != nil, "\(finding.change)")
        #expect(GateEvaluator.verdict(gates: [result], jobs: [GateFixture.job("bench-linux")]) == .fail)
    }

    @Test func aConfirmedTenPercentStepWarnsBelowMaxRegression() {
        var s = PerformanceSeries(seed: 11)
        let history = s.runs(20, level: 100, cv: 0.02)
        let e = PerformanceSeries.evidence(history: history, current: s.samples(level: 110, cv: 0.02),
                                           confirmation: s.samples(level: 110, cv: 0.02), agent: "agent-c")
        let result = Self.evaluate([e])
        #expect(result.status == .warn, "\(result.detail)")
        #expect(result.blocking)
        #expect(result.detail.contains("confirmed by a re-run on agent-c: above min-effect 5%, within max-regression 20%; suspected commit abc123"),
                "\(result.detail)")
        // A warning never fails the verdict.
        #expect(GateEvaluator.verdict(gates: [result], jobs: [GateFixture.job("bench-linux")]) == .pass)
    }

    @Test func aSuspectTheReRunDoesNotConfirmPasses() {
        var s = PerformanceSeries(seed: 3)
        let history = s.runs(20, level: 100)
        let e = PerformanceSeries.evidence(history: history, current: s.samples(level: 130),
                                           confirmation: s.samples(level: 100), agent: "agent-d", revision: "")
        let finding = PerformanceGate.judge(e, maxRegressionPercent: 20, minEffectPercent: 5)
        guard case .unconfirmed = finding.conclusion else {
            Issue.record("expected an unconfirmed suspect, got \(finding.conclusion)")
            return
        }
        let result = Self.evaluate([e], run: "run-42")
        #expect(result.status == .pass)
        #expect(result.detail.contains("suspected +"), "\(result.detail)")
        // Without a revision, the run is named as the suspected change.
        #expect(result.detail.contains("at run run-42 (previous run: r19), a suspected, unconfirmed change: the re-run on agent-d did not confirm it (p = "),
                "\(result.detail)")
    }

    @Test func aSuspectNeverReRunWarnsAndNeverFails() {
        var s = PerformanceSeries(seed: 5)
        let e = PerformanceSeries.evidence(history: s.runs(20, level: 100), current: s.samples(level: 150))
        for blocking in [true, false] {
            var gate = Self.gate
            gate.blocking = blocking
            let result = Self.evaluate([e], gate: gate)
            #expect(result.status == .warn)
            #expect(result.value == "1 unconfirmed suspect in 1 series")
            #expect(result.detail.contains("suspected +") && result.detail.contains("at commit abc123 (previous run: r19), not confirmed: no re-run was made"))
        }
        // An empty re-run is no confirmation either.
        var empty = e
        empty.confirmation = []
        #expect(Self.evaluate([empty]).status == .warn)
    }

    @Test func aHigherIsBetterMetricDroppingThirtyPercentFails() {
        var s = PerformanceSeries(seed: 13)
        let history = s.runs(20, level: 1000)
        let e = PerformanceSeries.evidence(history: history, current: s.samples(level: 700), confirmation: s.samples(level: 700),
                                           agent: "agent-b", metric: "requests", unit: "req/s", lowerIsBetter: false)
        let finding = PerformanceGate.judge(e, maxRegressionPercent: 20, minEffectPercent: 5)
        #expect(finding.conclusion == .regression(aboveMaximum: true))
        // Negated, the drop keeps its size: 30% worse, shown as the metric's -30%.
        #expect(abs(finding.worsening - 0.30) < 0.04, "\(finding.worsening)")
        #expect(finding.change.hasPrefix("-"), "\(finding.change)")
        let result = Self.evaluate([e])
        #expect(result.status == .fail)
        #expect(result.detail.contains("- requests (req/s, higher is better) on class c1, job bench (linux): -"), "\(result.detail)")
        #expect(result.value.hasPrefix("-") && result.value.hasSuffix("% requests on c1"))

        // The same metric rising 30% is an improvement.
        let faster = PerformanceSeries.evidence(history: history, current: s.samples(level: 1300), lowerIsBetter: false)
        #expect(Self.evaluate([faster]).status == .pass)
        #expect(PerformanceGate.suspects([faster], spec: Self.gate).isEmpty)
        // And a time falling 30% too.
        let quicker = PerformanceSeries.evidence(history: s.runs(20, level: 100), current: s.samples(level: 70))
        #expect(Self.evaluate([quicker]).status == .pass)
    }

    @Test func bimodalAndNoisyHistoriesDoNotFail() {
        var suspected = 0
        for seed in UInt64(1)...20 {
            var s = PerformanceSeries(seed: seed)
            let bimodalHistory = (0..<20).map { _ in s.bimodal(level: 100, gap: 0.15) }
            let bimodal = PerformanceSeries.evidence(history: bimodalHistory, current: s.bimodal(level: 100, gap: 0.15),
                                                     confirmation: s.bimodal(level: 100, gap: 0.15), agent: "agent-b")
            let noisy = PerformanceSeries.evidence(history: s.runs(20, level: 100, cv: 0.10), current: s.samples(level: 100, cv: 0.10),
                                                   confirmation: s.samples(level: 100, cv: 0.10), agent: "agent-b")
            for e in [bimodal, noisy] {
                let result = Self.evaluate([e])
                #expect(result.status != .fail, "seed \(seed): \(result.detail)")
                suspected += PerformanceGate.suspects([e.withoutConfirmation], spec: Self.gate).count
            }
        }
        // Suspicion is a cheap first filter (p < 0.1), but it must not fire on most clean runs.
        #expect(suspected <= 8, "\(suspected) of 40 clean series suspected")
    }

    @Test func tooLittleHistoryPassesWithNoBaselineYet() {
        var s = PerformanceSeries(seed: 2)
        // Runs without samples do not count.
        let e = PerformanceSeries.evidence(history: s.runs(3, level: 100) + [[]], current: s.samples(level: 200))
        let result = Self.evaluate([e])
        #expect(result.status == .pass)
        #expect(result.detail == "1 series: 1 without a baseline yet:\n- parse_time (ms) on class c1, job bench (linux): "
                + "no baseline yet: 3 earlier runs on class c1 (a baseline needs 5)")
        #expect(result.value == "no baseline yet for 1 series")
        #expect(PerformanceGate.suspects([e], spec: Self.gate).isEmpty)
        // Next to a judged series, the value counts both.
        var t = PerformanceSeries(seed: 3)
        let judged = PerformanceSeries.evidence(history: t.runs(10, level: 100), current: t.samples(level: 100))
        #expect(Self.evaluate([e, judged]).value == "no regression in 1 series (1 without a baseline)")
    }

    @Test func missingSamplesCannotBeJudged() {
        let none = Self.evaluate([])
        #expect(none.status == .error && none.value.isEmpty)
        #expect(none.detail == "no benchmark samples were collected")
        var s = PerformanceSeries(seed: 4)
        let good = PerformanceSeries.evidence(history: s.runs(20, level: 100), current: s.samples(level: 100))
        var empty = good
        empty.metric = "alloc"
        empty.current = []
        let result = Self.evaluate([good, empty])
        #expect(result.status == .error)
        #expect(result.detail == "a benchmark series has no samples in this run:\n- alloc (ms) on class c1, job bench (linux): this run recorded no samples")
        var advisory = Self.gate
        advisory.blocking = false
        #expect(Self.evaluate([], gate: advisory).status == .error)
    }

    @Test func advisoryEmergencyAndOrdering() {
        var s = PerformanceSeries(seed: 9)
        let history = s.runs(20, level: 100)
        let regressed = PerformanceSeries.evidence(history: history, current: s.samples(level: 140),
                                                   confirmation: s.samples(level: 140), agent: "agent-b", metric: "b_time")
        let stable = PerformanceSeries.evidence(history: history, current: s.samples(level: 100), metric: "a_time")
        var advisory = Self.gate
        advisory.blocking = false
        let warned = Self.evaluate([stable, regressed], gate: advisory)
        #expect(warned.status == .warn)
        // The regression is listed first, whatever the input order.
        let lines = warned.detail.split(separator: "\n")
        #expect(lines.count == 3 && lines[0] == "2 series: 1 confirmed above max-regression, 1 stable:")
        #expect(lines[1].hasPrefix("- b_time") && lines[2].hasPrefix("- a_time"))

        var optional = Self.gate
        optional.critical = false
        let skipped = Self.evaluate([regressed], gate: optional, emergency: true)
        #expect(skipped.status == .skipped)
        #expect(PerformanceGate.suspects([regressed.withoutConfirmation], gates: [optional], emergency: true).isEmpty)
        #expect(PerformanceGate.suspects([regressed.withoutConfirmation], gates: [optional]).count == 1)
        #expect(PerformanceGate.suspects([regressed.withoutConfirmation], spec: GateSpec(name: "t", rule: .tests(maxFailures: 0))).isEmpty)
    }

    @Test func theSmallestMinEffectDecidesWhatToReRun() {
        var s = PerformanceSeries(seed: 21)
        let e = PerformanceSeries.evidence(history: s.runs(20, level: 100, cv: 0.01), current: s.samples(level: 108, cv: 0.01))
        let strict = GateSpec(name: "strict", rule: .performance(maxRegressionPercent: 20, minEffectPercent: 5))
        let loose = GateSpec(name: "loose", rule: .performance(maxRegressionPercent: 50, minEffectPercent: 15))
        #expect(PerformanceGate.suspects([e], spec: loose).isEmpty)
        #expect(PerformanceGate.suspects([e], gates: [loose, strict]) == [e])
    }

    @Test func verdictRenderingOfAPerformanceGate() throws {
        let gate = GateResult(name: "speed", kind: .performance, status: .warn, blocking: true, critical: true,
                              value: "+10.2% parse_time on c1", threshold: "max-regression 20%, min-effect 5%",
                              detail: "1 series: 1 confirmed within max-regression:\n- parse_time (ms) on class c1, job bench: +10.2% [6.0%, 14.1%]")
        let verdict = Verdict(run: "r", verdict: .pass, gates: [gate])
        let json = VerdictRenderer.json(verdict)
        #expect(json.contains(#""kind": "performance", "status": "warn""#))
        #expect(try Verdict.decode(json: json) == verdict)
        let md = VerdictRenderer.markdown(verdict)
        #expect(md.contains("Run `r` · all blocking gates passed; 1 gate warned\n"), "\(md)")
        #expect(md.contains("| speed | performance | ⚠️ warn | +10.2% parse_time on c1 | max-regression 20%, min-effect 5% |"))
        #expect(md.contains("### Gate details\n\n**speed** (warn)\n\n```text\n1 series:"))
        let xml = VerdictRenderer.junit(verdict)
        #expect(xml.contains("<testcase classname=\"flotilla.gates.performance\" name=\"speed\" time=\"0\">\n"
                             + "    <system-out>gate warned: +10.2% parse_time on c1 (max-regression 20%, min-effect 5%)\n1 series:"))
    }

    @Test func percentFormatting() {
        let e = PerformanceSeries.evidence(history: [], current: [1])
        let f = PerformanceFinding(evidence: e, conclusion: .stable, worsening: 0.3125, worseningLow: 0.27, worseningHigh: 0.35549)
        #expect(f.change == "+31.3% [27.0%, 35.5%]")
        var higher = e
        higher.lowerIsBetter = false
        let g = PerformanceFinding(evidence: higher, conclusion: .stable, worsening: 0.3, worseningLow: 0.25, worseningHigh: 0.35)
        #expect(g.change == "-30.0% [-35.0%, -25.0%]")
        let h = PerformanceFinding(evidence: e, conclusion: .stable, worsening: -0.0001, worseningLow: -0.02, worseningHigh: 0.01)
        #expect(h.change == "0.0% [-2.0%, 1.0%]")
    }
}

extension PerformanceEvidence {
    var withoutConfirmation: PerformanceEvidence {
        var e = self
        e.confirmation = nil
        e.confirmationAgent = nil
        return e
    }
}
