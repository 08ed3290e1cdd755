/// Rank-based tests for the benchmark regression detector: they need no assumption about
/// the shape of the noise (heavy tails, two modes), only that it stays the same.
public enum RankTests {
    /// The result of a one-sided Mann–Whitney U test.
    public struct MannWhitney: Sendable, Equatable {
        /// U of the candidate sample: the number of (candidate, baseline) pairs where the
        /// candidate is larger, ties counting one half.
        public var u: Double
        /// The standardized statistic, continuity- and tie-corrected, divided by the square
        /// root of the variance inflation that was applied.
        public var z: Double
        /// The one-sided p-value for "the candidate is stochastically larger" (normal approximation).
        public var pValue: Double
    }

    /// One-sided Mann–Whitney U test that `candidate` tends to be larger than `baseline`.
    ///
    /// Uses the normal approximation with tie correction and a continuity correction, which
    /// is accurate for the sample sizes here (the baseline has at least a few dozen samples).
    /// `varianceInflation` (≥ 1) widens the null variance when the baseline's runs differ from
    /// one another more than their samples explain (see `heterogeneity(of:)`).
    /// - Returns: `nil` when either sample is empty.
    public static func mannWhitney(candidate: [Double], baseline: [Double], varianceInflation: Double = 1) -> MannWhitney? {
        let n1 = candidate.count, n2 = baseline.count
        guard n1 > 0, n2 > 0 else { return nil }
        var tagged = candidate.map { ($0, true) } + baseline.map { ($0, false) }
        tagged.sort { $0.0 < $1.0 }
        let n = n1 + n2
        var rankSum = 0.0
        var tieTerm = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && tagged[j + 1].0 == tagged[i].0 { j += 1 }
            let averageRank = Double(i + j + 2) / 2 // 1-based ranks i+1 ... j+1
            let t = Double(j - i + 1)
            if t > 1 { tieTerm += t * t * t - t }
            for k in i...j where tagged[k].1 { rankSum += averageRank }
            i = j + 1
        }
        let u = rankSum - Double(n1 * (n1 + 1)) / 2
        let mean = Double(n1 * n2) / 2
        let variance = Double(n1 * n2) / 12 * (Double(n + 1) - tieTerm / (Double(n) * Double(n - 1)))
            * max(1, varianceInflation)
        guard variance > 0 else { return MannWhitney(u: u, z: 0, pValue: 1) } // every value tied: no evidence
        let z = (u - mean - 0.5) / variance.squareRoot()
        return MannWhitney(u: u, z: z, pValue: RobustStatistics.normalUpperTail(z))
    }

    /// Kruskal–Wallis H across groups (tie-corrected); `nil` with fewer than two non-empty groups.
    public static func kruskalWallis(_ groups: [[Double]]) -> Double? {
        let nonEmpty = groups.filter { !$0.isEmpty }
        guard nonEmpty.count >= 2 else { return nil }
        var tagged: [(Double, Int)] = []
        for (g, values) in nonEmpty.enumerated() { tagged += values.map { ($0, g) } }
        tagged.sort { $0.0 < $1.0 }
        let n = tagged.count
        var rankSums = [Double](repeating: 0, count: nonEmpty.count)
        var tieTerm = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && tagged[j + 1].0 == tagged[i].0 { j += 1 }
            let averageRank = Double(i + j + 2) / 2
            let t = Double(j - i + 1)
            if t > 1 { tieTerm += t * t * t - t }
            for k in i...j { rankSums[tagged[k].1] += averageRank }
            i = j + 1
        }
        let nd = Double(n)
        var h = 0.0
        for (g, values) in nonEmpty.enumerated() { h += rankSums[g] * rankSums[g] / Double(values.count) }
        h = 12 / (nd * (nd + 1)) * h - 3 * (nd + 1)
        let correction = 1 - tieTerm / (nd * nd * nd - nd)
        return correction > 0 ? h / correction : 0
    }

    /// How much more the groups' mean ranks vary than independent samples would make them,
    /// at least 1.
    ///
    /// Under the null hypothesis H is χ² with groups − 1 degrees of freedom, so H/(groups − 1)
    /// estimates the design effect 1 + (R − 1)ρ of samples clustered in runs (ρ the intra-run
    /// correlation); a rank test between runs must divide its z by the square root of this
    /// factor to stay calibrated. Only the excess of H over `margin` standard deviations of
    /// chance counts: with 5–20 groups the raw ratio is itself noisy (standard deviation
    /// √(2/(groups − 1))), and inflating on noise alone would blunt every test.
    public static func heterogeneity(of groups: [[Double]], margin: Double = 0) -> Double {
        let count = groups.filter { !$0.isEmpty }.count
        guard count >= 2, let h = kruskalWallis(groups) else { return 1 }
        let df = Double(count - 1)
        return 1 + max(0, h - df - margin * (2 * df).squareRoot()) / df
    }

    /// The Mann–Kendall trend statistic of a series in time order, as a z score (positive: upward).
    ///
    /// Tie-corrected normal approximation with continuity correction; 0 for fewer than three points.
    public static func mannKendall(_ series: [Double]) -> Double {
        let n = series.count
        guard n >= 3 else { return 0 }
        var s = 0.0
        for i in 0..<(n - 1) {
            for j in (i + 1)..<n {
                if series[j] > series[i] { s += 1 } else if series[j] < series[i] { s -= 1 }
            }
        }
        var tieTerm = 0.0
        let sorted = series.sorted()
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && sorted[j + 1] == sorted[i] { j += 1 }
            let t = Double(j - i + 1)
            tieTerm += t * (t - 1) * (2 * t + 5)
            i = j + 1
        }
        let nd = Double(n)
        let variance = (nd * (nd - 1) * (2 * nd + 5) - tieTerm) / 18
        guard variance > 0, s != 0 else { return 0 }
        return (s - (s > 0 ? 1 : -1)) / variance.squareRoot()
    }

    /// The Theil–Sen slope: the median of the pairwise slopes (yⱼ − yᵢ)/(xⱼ − xᵢ); `nil` when
    /// no two points have different x.
    public static func theilSenSlope(x: [Double], y: [Double]) -> Double? {
        precondition(x.count == y.count, "Theil–Sen needs as many x as y")
        var slopes: [Double] = []
        for i in x.indices {
            for j in (i + 1)..<x.count where x[j] != x[i] { slopes.append((y[j] - y[i]) / (x[j] - x[i])) }
        }
        return RobustStatistics.median(slopes)
    }
}
