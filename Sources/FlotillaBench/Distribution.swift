/// Order statistics for benchmark samples.
///
/// Nearest-rank percentiles: the value at rank ⌈q·n⌉ of the sorted samples, so every
/// reported figure is a sample that was actually observed (no interpolation).
struct Distribution: Sendable, Equatable {
    let sorted: [Double]

    /// - Precondition: `samples` is not empty.
    init(_ samples: [Double]) {
        precondition(!samples.isEmpty, "a distribution needs at least one sample")
        sorted = samples.sorted()
    }

    var count: Int { sorted.count }
    var min: Double { sorted[0] }
    var max: Double { sorted[sorted.count - 1] }
    var p50: Double { percentile(0.50) }
    var p99: Double { percentile(0.99) }

    /// The nearest-rank `q`-quantile, `q` in (0, 1].
    func percentile(_ q: Double) -> Double {
        precondition(q > 0 && q <= 1, "quantile \(q) outside (0, 1]")
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
