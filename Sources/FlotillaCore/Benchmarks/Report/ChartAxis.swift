import Foundation

/// A linear value axis with "nice" tick marks (1, 2 or 5 times a power of ten) and labels
/// precise enough to tell neighbouring ticks apart at any magnitude.
struct ChartAxis: Equatable {
    /// The axis runs from `low` to `high`, both tick values.
    let low: Double
    let high: Double
    /// Tick values, ascending, from `low` to `high`.
    let ticks: [Double]
    /// One label per tick.
    let labels: [String]

    /// An axis covering every value, with about `targetTicks` intervals.
    ///
    /// Identical values get a band of ±5% around them (±1 around zero), so a flat series
    /// sits mid-chart instead of on a degenerate scale.
    init(covering values: [Double], targetTicks: Int = 5) {
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.05
            lo -= pad; hi += pad
        }
        // Doubles near the largest magnitude cannot take a padded range; keep them finite.
        if !(hi - lo).isFinite { lo = max(lo, -Double.greatestFiniteMagnitude / 4); hi = min(hi, Double.greatestFiniteMagnitude / 4) }
        let step = Self.niceStep((hi - lo) / Double(max(1, targetTicks)))
        let first = (lo / step).rounded(.down), last = (hi / step).rounded(.up)
        let count = Int(min(last - first, 50))
        var ticks: [Double] = []
        for i in 0...max(1, count) {
            let value = (first + Double(i)) * step
            // Multiples of a step can land a hair off zero; a "-0.0000" label would be wrong.
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
        }
        self.ticks = ticks
        self.low = ticks.first!
        self.high = ticks.last!
        self.labels = ChartNumberFormat.tickLabels(ticks, step: step)
    }

    /// Where `value` falls between `low` (0) and `high` (1).
    func fraction(_ value: Double) -> Double {
        high > low ? (value - low) / (high - low) : 0.5
    }

    /// The smallest of 1, 2, 5 × 10ⁿ at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let exponent = (log10(raw)).rounded(.down)
        let base = pow(10, exponent)
        let mantissa = raw / base
        let nice: Double = mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10
        return nice * base
    }
}

/// Number formatting for charts and reports: fixed decimals, or scientific notation when
/// fixed would be too long (large magnitudes) or all zeros (tiny ones). Locale-independent.
enum ChartNumberFormat {
    /// `value` with exactly `decimals` digits after the point.
    static func fixed(_ value: Double, decimals: Int) -> String {
        String(format: "%.\(max(0, min(decimals, 17)))f", value)
    }

    /// Labels for ticks `step` apart: as few digits as tell them apart.
    static func tickLabels(_ ticks: [Double], step: Double) -> [String] {
        let stepExponent = Int(log10(step).rounded(.down))
        let largest = ticks.map(abs).max() ?? 0
        let magnitude = largest > 0 ? Int(log10(largest).rounded(.down)) : stepExponent
        if magnitude >= 7 || magnitude <= -5 {
            let significant = min(max(magnitude - stepExponent + 1, 1), 15)
            return ticks.map { String(format: "%.\(significant - 1)e", $0) }
        }
        return ticks.map { fixed($0, decimals: max(0, -stepExponent)) }
    }

    /// A value for prose: four significant digits, scientific beyond 1e7 or below 1e-4.
    static func readable(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude >= 1e7 || magnitude < 1e-4) { return String(format: "%.3e", value) }
        let decimals = magnitude == 0 ? 0 : max(0, 3 - Int(log10(magnitude).rounded(.down)))
        var text = fixed(value, decimals: decimals)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
