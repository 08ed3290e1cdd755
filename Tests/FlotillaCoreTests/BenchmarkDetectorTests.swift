import Testing
import FlotillaCore

/// Synthetic histories for detector tests: normal samples around a level, seeded.
struct SyntheticHistory {
    var rng: SeededGenerator
    var commits: Int
    var repeats: Int
    var cv: Double

    init(seed: UInt64, commits: Int = 40, repeats: Int = 10, cv: Double = 0.03) {
        rng = SeededGenerator(seed: seed)
        self.commits = commits
        self.repeats = repeats
        self.cv = cv
    }

    /// Samples whose level at commit i is `level(i)`.
    mutating func make(_ level: (Int) -> Double) -> [[Double]] {
        (0..<commits).map { i in (0..<repeats).map { _ in level(i) * (1 + cv * rng.gaussian()) } }
    }
}

@Suite("Benchmark regression detector")
struct BenchmarkDetectorTests {
    let detector = RegressionDetector()

    @Test func cleanHistoriesAreNotFlagged() {
        for seed in UInt64(1)...20 {
            var synthetic = SyntheticHistory(seed: seed, cv: 0.02 + Double(seed % 5) * 0.02)
            let samples = synthetic.make { _ in 100 }
            #expect(detector.detect(samples: samples).isEmpty, "seed \(seed)")
        }
    }

    @Test func aLastingStepIsFlaggedOnceAtItsStart() throws {
        var covered = 0
        for seed in UInt64(1)...10 {
            var synthetic = SyntheticHistory(seed: seed)
            let samples = synthetic.make { $0 >= 25 ? 120 : 100 }
            let flags = detector.detect(samples: samples)
            #expect(flags.count == 1, "seed \(seed): \(flags.map(\.commit))")
            let flag = try #require(flags.first)
            #expect((25...27).contains(flag.commit), "seed \(seed)")
            #expect(abs(flag.effect - 0.2) < 0.03 && flag.ciLow < flag.effect && flag.effect < flag.ciHigh, "seed \(seed): \(flag)")
            if flag.ciLow < 0.2 && 0.2 < flag.ciHigh { covered += 1 }
            #expect(flag.pValue < 1e-6 && flag.machine == nil)
            #expect(flag.baselineCommits.allSatisfy { $0 < flag.commit } && flag.confirmingCommits.allSatisfy { $0 > flag.commit })
        }
        // A 95% interval: most of the ten cover the true +20% (here 8).
        #expect(covered >= 8)
    }

    @Test func oneCommitSpikesAndImprovementsAreNotRegressions() {
        for seed in UInt64(1)...10 {
            var synthetic = SyntheticHistory(seed: seed)
            let spiky = synthetic.make { [12, 25, 33].contains($0) ? 150 : 100 }
            #expect(detector.detect(samples: spiky).isEmpty, "seed \(seed)")
            let faster = synthetic.make { $0 >= 20 ? 70 : 100 }
            #expect(detector.detect(samples: faster).isEmpty, "seed \(seed)")
        }
        // The naive rule takes every spike for a regression.
        var synthetic = SyntheticHistory(seed: 1)
        #expect(NaiveRegressionRule.flags(samples: synthetic.make { $0 == 25 ? 150 : 100 }) == [25])
    }

    @Test func slowDriftIsNotAStepButAStepOnTopOfItIs() throws {
        for seed in UInt64(1)...10 {
            var synthetic = SyntheticHistory(seed: seed, commits: 60, repeats: 20, cv: 0.02)
            let drifting = synthetic.make { 100 * (1 + 0.003 * Double($0)) }
            #expect(detector.detect(samples: drifting).isEmpty, "seed \(seed)")
            let stepped = synthetic.make { 100 * (1 + 0.003 * Double($0)) * ($0 >= 40 ? 1.15 : 1) }
            let flags = detector.detect(samples: stepped).map(\.commit)
            #expect(flags.count == 1 && (40...42).contains(flags[0]), "seed \(seed): \(flags)")
        }
    }

    @Test func machineClassesAreSeparateSeries() throws {
        for seed in UInt64(1)...10 {
            var rng = SeededGenerator(seed: seed)
            let machines = (0..<50).map { _ in rng.chance(0.5) ? "fast" : "slow" }
            var synthetic = SyntheticHistory(seed: seed &+ 1000, commits: 50)
            let offsets = synthetic.make { machines[$0] == "slow" ? 130 : 100 }
            #expect(detector.detect(samples: offsets, machines: machines).isEmpty, "seed \(seed)")
            let stepped = synthetic.make { (machines[$0] == "slow" ? 130 : 100) * ($0 >= 30 ? 1.2 : 1) }
            let flags = detector.detect(samples: stepped, machines: machines)
            #expect(flags.count == 1 && (30...32).contains(flags[0].commit), "seed \(seed): \(flags.map(\.commit))")
            #expect(flags.first?.machine == machines[flags.first?.commit ?? 0])
            // Taken as one series, the machine offsets look like steps to the naive rule.
            #expect(NaiveRegressionRule.flags(samples: offsets).count > 3)
        }
    }

    @Test func aSuspectThatCannotBeConfirmedIsNotFlagged() {
        var synthetic = SyntheticHistory(seed: 3)
        let lastRegressed = synthetic.make { $0 == 39 ? 150 : 100 }
        #expect(detector.detect(samples: lastRegressed).isEmpty)
        // With one later commit that repeats the shift, it is confirmed.
        let twoRegressed = synthetic.make { $0 >= 38 ? 150 : 100 }
        #expect(detector.detect(samples: twoRegressed).map(\.commit) == [38])
    }

    @Test func commitsWithoutSamplesAreSkipped() {
        var synthetic = SyntheticHistory(seed: 4)
        var samples = synthetic.make { $0 >= 25 ? 125 : 100 }
        for i in [3, 10, 24, 26] { samples[i] = [] }
        let flags = detector.detect(samples: samples).map(\.commit)
        #expect(flags == [25])
        #expect(detector.detect(samples: [[], [], []]).isEmpty)
        #expect(detector.detect(samples: []).isEmpty)
    }

    @Test func minimumEffectGatesSmallButSignificantShifts() {
        var synthetic = SyntheticHistory(seed: 5, repeats: 30, cv: 0.005)
        let small = synthetic.make { $0 >= 25 ? 103 : 100 }
        #expect(RegressionDetector.flags(history: small, minEffect: 0.05).isEmpty)
        #expect(RegressionDetector.flags(history: small, minEffect: 0.02) == [25])
    }

    @Test func judgeAndConfirmForALiveRun() {
        var synthetic = SyntheticHistory(seed: 6, commits: 25)
        let history = synthetic.make { _ in 100 }
        let slower = synthetic.make { _ in 130 }
        let judged = RegressionDetector.judge(history: history, newSamples: slower[0], minEffect: 0.05)
        #expect(judged.suspected && judged.pValue < 0.001)
        #expect(judged.ciLow < 0.3 && 0.3 < judged.ciHigh && abs(judged.effect - 0.3) < 0.05)
        let same = RegressionDetector.judge(history: history, newSamples: history[3].map { $0 * 1.001 }, minEffect: 0.05)
        #expect(!same.suspected)
        // Too little history: nothing can be said.
        let short = RegressionDetector.judge(history: Array(history.prefix(3)), newSamples: slower[0], minEffect: 0.05)
        #expect(!short.suspected && short.pValue == 1 && short.effect == 0)

        let confirmed = detector.confirm(history: history, suspect: slower[0], reruns: [slower[1], slower[2]])
        #expect(confirmed.confirmed && confirmed.rerunPValue < 0.001 && abs(confirmed.judgement.effect - 0.3) < 0.05)
        let refuted = detector.confirm(history: history, suspect: slower[0], reruns: [synthetic.make { _ in 100 }[0]])
        #expect(!refuted.confirmed)
        #expect(!detector.confirm(history: history, suspect: slower[0], reruns: [[]]).confirmed)
    }

    @Test func explanationNamesCommitEffectAndConfirmation() throws {
        var synthetic = SyntheticHistory(seed: 8)
        let flag = try #require(detector.detect(samples: synthetic.make { $0 >= 20 ? 125 : 100 }).first)
        let text = BenchReport.explain(flag)
        #expect(text.hasPrefix("commit \(flag.commit): +"))
        #expect(text.contains("(95% CI)") && text.contains("confirmed by commits \(flag.confirmingCommits.map(String.init).joined(separator: ", "))"))
        #expect(BenchReport.flagsJSON([3, 17]) == #"{"flags": [3, 17]}"#)
        #expect(BenchReport.flagsJSON([]) == #"{"flags": []}"#)
    }
}
