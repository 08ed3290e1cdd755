import Foundation

/// Text and JSON renderings of benchmark-detection results for the `flotilla bench` commands.
public enum BenchReport {
    /// The name the naive rule goes by in reports.
    public static let naiveName = "mean > 1.2 × previous"

    /// `{"flags": [3, 17]}`.
    public static func flagsJSON(_ flags: [Int]) -> String {
        "{\"flags\": [" + flags.map(String.init).joined(separator: ", ") + "]}"
    }

    /// One line per flag for `--explain`: where, how large, how sure, and against what.
    public static func explain(_ flag: RegressionFlag) -> String {
        let machine = flag.machine.map { " on machine class \($0)" } ?? ""
        let baseline = flag.baselineCommits.isEmpty ? "none"
            : "\(flag.baselineCommits.count) commits \(flag.baselineCommits.first!)–\(flag.baselineCommits.last!)"
        return "commit \(flag.commit)\(machine): \(signedPercent(flag.effect)) "
            + "[\(signedPercent(flag.ciLow)), \(signedPercent(flag.ciHigh))] (95% CI), p = \(pValue(flag.pValue)); "
            + "suspected at p = \(pValue(flag.suspectPValue)), confirmed by commits "
            + flag.confirmingCommits.map(String.init).joined(separator: ", ")
            + " at p = \(pValue(flag.confirmationPValue)); baseline \(baseline)"
    }

    /// The evaluation as a table: recall per step size, false positives, spikes; then per noise kind.
    public static func text(_ comparison: BenchComparison, seed: UInt64?) -> String {
        let d = comparison.detector
        var lines: [String] = []
        lines.append("corpus: \(comparison.histories) histories" + (seed.map { " (seed \($0))" } ?? "")
                     + ", \(d.recall.map { "\($0.steps) steps of +\(percent($0.size, places: 0))" }.joined(separator: ", "))"
                     + ", \(d.cleanCommits) clean commits, \(d.spikes) one-commit spikes")
        lines.append("a step counts as found when a flag falls on its commit or one of the next two")
        lines.append("")
        lines.append(contentsOf: table(rows: [("flotilla detector", d), (naiveName, comparison.naive)], title: "method"))
        lines.append("")
        lines.append("per noise kind (detector, then naive rule):")
        var kindRows: [(String, BenchScore)] = []
        for entry in comparison.byKind {
            kindRows.append((entry.kind.rawValue, entry.detector))
            kindRows.append(("  naive", entry.naive))
        }
        lines.append(contentsOf: table(rows: kindRows, title: "kind"))
        return lines.joined(separator: "\n")
    }

    /// The evaluation as one JSON object (`--json`).
    public static func json(_ comparison: BenchComparison, seed: UInt64?) -> String {
        func score(_ s: BenchScore) -> String {
            let recall = s.recall.map { "\"\(percent($0.size, places: 0))\": {\"steps\": \($0.steps), \"detected\": \($0.detected), \"rate\": \(rounded($0.rate))}" }
            return "{\"recall\": {" + recall.joined(separator: ", ") + "}, "
                + "\"clean_commits\": \(s.cleanCommits), \"false_positives\": \(s.falsePositives), "
                + "\"false_positives_per_100\": \(rounded(s.falsePositivesPer100)), "
                + "\"spikes\": \(s.spikes), \"spikes_flagged\": \(s.spikesFlagged), \"spike_rate\": \(rounded(s.spikeRate))}"
        }
        let kinds = comparison.byKind.map { "\"\($0.kind.rawValue)\": {\"detector\": \(score($0.detector)), \"naive\": \(score($0.naive))}" }
        return "{\"histories\": \(comparison.histories), \"seed\": \(seed.map(String.init) ?? "null"), "
            + "\"detector\": \(score(comparison.detector)), \"naive\": \(score(comparison.naive)), "
            + "\"by_kind\": {" + kinds.joined(separator: ", ") + "}}"
    }

    private static func table(rows: [(String, BenchScore)], title: String) -> [String] {
        let sizes = rows.first?.1.recall.map(\.size) ?? []
        var cells = [[title] + sizes.map { "+\(percent($0, places: 0))" } + ["FP/100 clean", "spikes flagged"]]
        for (name, s) in rows {
            cells.append([name] + sizes.map { size in s.recall(at: size).map { percent($0.rate, places: 1) } ?? "-" }
                         + [fixed(s.falsePositivesPer100, places: 2), percent(s.spikeRate, places: 1)])
        }
        let widths = (0..<cells[0].count).map { column in cells.map { $0[column].count }.max()! }
        return cells.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }

    private static func percent(_ fraction: Double, places: Int) -> String { fixed(fraction * 100, places: places) + "%" }

    private static func signedPercent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return fraction > 0 ? "+∞%" : "−∞%" }
        return (fraction >= 0 ? "+" : "") + fixed(fraction * 100, places: 1) + "%"
    }

    private static func fixed(_ value: Double, places: Int) -> String { String(format: "%.\(places)f", value) }

    private static func pValue(_ p: Double) -> String { p >= 0.001 ? String(format: "%.3f", p) : String(format: "%.1e", p) }

    private static func rounded(_ value: Double) -> String { String(format: "%.4f", value) }
}
