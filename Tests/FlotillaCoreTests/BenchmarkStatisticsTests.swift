import Testing
import FlotillaCore

/// Robust estimators and rank tests; reference values from SciPy 1.17
/// (`mannwhitneyu(..., method="asymptotic", use_continuity=True)`, `kruskal`, `norm`).
@Suite("Benchmark statistics")
struct BenchmarkStatisticsTests {
    @Test func medianMADAndPseudoMedian() {
        #expect(RobustStatistics.median([]) == nil)
        #expect(RobustStatistics.median([3, 1, 2]) == 2)
        #expect(RobustStatistics.median([4, 1, 3, 2]) == 2.5)
        // |x − 3| = 2, 1, 0, 1, 97 → median 1: one wild value does not move it.
        #expect(RobustStatistics.mad([1, 2, 3, 4, 100]) == 1)
        // Walsh averages of 1, 2, 3: 1, 1.5, 2, 2, 2.5, 3.
        #expect(RobustStatistics.pseudoMedian([1, 2, 3]) == 2)
        // A wild fourth value moves it from 2 to 2.75, the mean to 251.5.
        #expect(RobustStatistics.pseudoMedian([1, 2, 3, 1000]) == 2.75)
        #expect(RobustStatistics.pseudoMedian([]) == nil)
    }

    @Test func selectAgreesWithSortingIncludingDuplicates() {
        var rng = SeededGenerator(seed: 42)
        for size in [1, 2, 3, 10, 101, 1000] {
            let values = (0..<size).map { _ in Double(rng.integer(0...20)) }
            let sorted = values.sorted()
            for k in [0, size / 3, size / 2, size - 1] {
                var scratch = values
                #expect(RobustStatistics.select(&scratch, k) == sorted[k], "size \(size) rank \(k)")
            }
        }
    }

    @Test func hodgesLehmannShiftAndInterval() throws {
        // SciPy: median of the 42 pairwise differences is 1.7.
        let candidate = [3.1, 2.2, 5.5, 4.0, 4.4, 6.1]
        let baseline = [1.0, 2.2, 3.3, 2.9, 4.0, 1.5, 2.6]
        let shift = try #require(RobustStatistics.shiftEstimate(candidate: candidate, baseline: baseline))
        #expect(abs(shift.estimate - 1.7) < 1e-12)
        #expect(shift.low < shift.estimate && shift.estimate < shift.high)
        // A pure shift is recovered exactly and its interval covers it.
        let base = (0..<40).map { 100 + Double($0 % 7) }
        let moved = try #require(RobustStatistics.shiftEstimate(candidate: base.map { $0 + 10 }, baseline: base))
        #expect(moved.estimate == 10 && moved.low <= 10 && moved.high >= 10)
        // Inflating the variance only widens the interval.
        let wide = try #require(RobustStatistics.shiftEstimate(candidate: candidate, baseline: baseline, varianceInflation: 4))
        #expect(wide.estimate == shift.estimate && wide.low <= shift.low && wide.high >= shift.high)
        #expect(RobustStatistics.shiftEstimate(candidate: [], baseline: [1]) == nil)
    }

    @Test func largeSamplesAreThinnedToQuantilesNotPairedInFull() throws {
        var rng = SeededGenerator(seed: 11)
        let baseline = (0..<20_000).map { _ in 100 + rng.gaussian() }
        let candidate = (0..<5_000).map { _ in 103 + rng.gaussian() }
        // 10⁸ differences in full; thinned to 1,000 × 1,000.
        let shift = try #require(RobustStatistics.shiftEstimate(candidate: candidate, baseline: baseline))
        #expect(abs(shift.estimate - 3) < 0.1 && shift.low < 3 && 3 < shift.high && shift.high - shift.low < 0.5)
        let exact = try #require(RobustStatistics.shiftEstimate(candidate: Array(candidate.prefix(900)),
                                                                baseline: Array(baseline.prefix(900))))
        let thin = try #require(RobustStatistics.shiftEstimate(candidate: Array(candidate.prefix(900)),
                                                               baseline: Array(baseline.prefix(900)), maximumSide: 300))
        #expect(abs(thin.estimate - exact.estimate) < 0.05)
        #expect(thin.high - thin.low > exact.high - exact.low)
    }

    @Test func normalDistribution() {
        #expect(abs(RobustStatistics.normalQuantile(0.975) - 1.959963984540054) < 1e-9)
        #expect(abs(RobustStatistics.normalQuantile(0.001) - -3.090232306167813) < 1e-9)
        #expect(abs(RobustStatistics.normalQuantile(0.5)) < 1e-12)
        #expect(abs(RobustStatistics.normalUpperTail(3.5) - 0.00023262907903552502) < 1e-15)
        #expect(abs(RobustStatistics.normalCDF(-1.959963984540054) - 0.025) < 1e-12)
    }

    @Test func mannWhitneyMatchesSciPy() throws {
        let separated = try #require(RankTests.mannWhitney(candidate: [4, 5, 6], baseline: [1, 2, 3]))
        #expect(separated.u == 9)
        #expect(abs(separated.pValue - 0.04042779918502612) < 1e-12)
        let tied = try #require(RankTests.mannWhitney(candidate: [1, 1, 2], baseline: [1, 2, 2]))
        #expect(tied.u == 3)
        #expect(abs(tied.pValue - 0.8398418222539659) < 1e-12)
        let mixed = try #require(RankTests.mannWhitney(candidate: [3.1, 2.2, 5.5, 4.0, 4.4, 6.1],
                                                       baseline: [1.0, 2.2, 3.3, 2.9, 4.0, 1.5, 2.6]))
        #expect(mixed.u == 35)
        #expect(abs(mixed.pValue - 0.026563226370571343) < 1e-12)
    }

    @Test func mannWhitneyEdgeCasesAndInflation() throws {
        #expect(RankTests.mannWhitney(candidate: [], baseline: [1]) == nil)
        let allTied = try #require(RankTests.mannWhitney(candidate: [5, 5], baseline: [5, 5, 5]))
        #expect(allTied.pValue == 1)
        let plain = try #require(RankTests.mannWhitney(candidate: [4, 5, 6], baseline: [1, 2, 3]))
        let inflated = try #require(RankTests.mannWhitney(candidate: [4, 5, 6], baseline: [1, 2, 3], varianceInflation: 4))
        #expect(abs(inflated.z - plain.z / 2) < 1e-12)
        // Inflation below 1 is never used to sharpen a test.
        let deflated = try #require(RankTests.mannWhitney(candidate: [4, 5, 6], baseline: [1, 2, 3], varianceInflation: 0.25))
        #expect(deflated.z == plain.z)
    }

    @Test func kruskalWallisMatchesSciPy() throws {
        let h = try #require(RankTests.kruskalWallis([[1, 2, 3, 4], [2, 3, 4, 5, 5], [7, 8, 6]]))
        #expect(abs(h - 7.381117021276594) < 1e-9)
        let tied = try #require(RankTests.kruskalWallis([[1, 2, 2, 3], [2, 3, 3, 4], [5, 5, 6, 1]]))
        #expect(abs(tied - 3.2581521739130483) < 1e-9)
        #expect(RankTests.kruskalWallis([[1, 2], []]) == nil)
    }

    @Test func heterogeneityIsOneForExchangeableRunsAndLargeForShiftedOnes() {
        var rng = SeededGenerator(seed: 7)
        let exchangeable = (0..<20).map { _ in (0..<10).map { _ in 100 + rng.gaussian() } }
        #expect(RankTests.heterogeneity(of: exchangeable, margin: 2) == 1)
        // Each run has its own level: samples within a run are not independent evidence.
        let clustered = (0..<20).map { run in (0..<10).map { _ in 100 + Double(run % 5) * 2 + rng.gaussian() } }
        #expect(RankTests.heterogeneity(of: clustered, margin: 2) > 3)
        #expect(RankTests.heterogeneity(of: [[1, 2, 3]]) == 1)
    }

    @Test func mannKendallAndTheilSen() throws {
        // S = 11 (Kendall τ 0.7333 × 15 pairs), Var(S) = 6·5·17/18 → z = 10/√28.33.
        let z = RankTests.mannKendall([1, 3, 2, 5, 4, 6])
        #expect(abs(z - 10 / (6.0 * 5 * 17 / 18).squareRoot()) < 1e-12)
        #expect(RankTests.mannKendall([6, 5, 4, 3, 2, 1]) < -2)
        #expect(RankTests.mannKendall([1, 2]) == 0)
        #expect(RankTests.mannKendall([4, 4, 4, 4]) == 0)
        // SciPy theilslopes: slope 1.0.
        let slope = try #require(RankTests.theilSenSlope(x: [0, 1, 2, 3, 4, 5], y: [1, 3, 2, 5, 4, 6]))
        #expect(slope == 1)
        // One wild point among five: 6 of the 10 pairwise slopes are still 2.
        #expect(RankTests.theilSenSlope(x: [0, 1, 2, 3, 4], y: [1, 3, 5, 7, -100]) == 2)
        #expect(RankTests.theilSenSlope(x: [1, 1], y: [1, 2]) == nil)
    }

    @Test func seededGeneratorIsReproducibleAndSane() {
        var a = SeededGenerator(seed: 99), b = SeededGenerator(seed: 99), c = SeededGenerator(seed: 100)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
        var rng = SeededGenerator(seed: 1)
        let draws = (0..<20_000).map { _ in rng.gaussian() }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
        for _ in 0..<1000 {
            let u = rng.unit()
            #expect(u >= 0 && u < 1)
            #expect((3...5).contains(rng.integer(3...5)))
        }
    }
}
