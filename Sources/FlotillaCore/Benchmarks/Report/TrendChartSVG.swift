import Foundation

/// Renders one benchmark series as a self-contained SVG trend chart.
///
/// One column per run (oldest left), labelled with its revision; every sample a dot, spread
/// across its column by a fixed low-discrepancy offset (so identical inputs give identical
/// bytes); each run's median joined by a line; every confirmed change (also the newest run's,
/// when the live gate's re-run confirmed it) a dashed vertical line labelled with its relative
/// change and confidence interval (`+12.3% [8.1, 16.0]`). The
/// value axis is linear with nice ticks and the unit in its title. All text is escaped; no
/// scripts, fonts or external references, so the file is safe to open and to embed.
public enum TrendChartSVG {
    static let width = 800.0
    static let height = 400.0
    static let left = 96.0, right = 24.0, top = 64.0, bottom = 88.0
    /// At most this many revision labels on the time axis; the rest are skipped evenly.
    static let maximumColumnLabels = 25

    /// The chart of `trend`, with changes found by `analysis` (see `BenchmarkTrendAnalysis`).
    public static func render(_ trend: BenchmarkTrend, analysis: BenchmarkTrendAnalysis) -> String {
        var svg = SVGBuilder()
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        svg.open("svg", ["xmlns": "http://www.w3.org/2000/svg", "width": num(width), "height": num(height),
                         "viewBox": "0 0 \(num(width)) \(num(height))", "role": "img",
                         "aria-label": "\(trend.metric) of \(trend.job) on \(trend.machineClass)",
                         "font-family": "sans-serif", "font-size": "11"])
        svg.element("title", text: "\(trend.job) · \(trend.metric) · \(trend.machineClass)")
        svg.element("rect", ["x": "0", "y": "0", "width": num(width), "height": num(height), "fill": "#ffffff"])
        svg.element("text", ["x": num(left), "y": "22", "font-size": "14", "font-weight": "bold"],
                    text: "\(trend.job) · \(trend.metric) · \(trend.machineClass)")
        let direction = trend.lowerIsBetter ? "lower is better" : "higher is better"
        svg.element("text", ["x": num(left), "y": "40", "fill": "#555555"],
                    text: "\(trend.pipeline) · \(trend.points.count) run\(trend.points.count == 1 ? "" : "s") · "
                        + "\(trend.sampleCount) sample\(trend.sampleCount == 1 ? "" : "s") · \(direction)")

        let values = trend.points.flatMap { $0.samples.filter(\.isFinite) }
        let axis = ChartAxis(covering: values)
        let columns = trend.points.count
        let columnWidth = plotWidth / Double(max(columns, 1))
        let x: (Int) -> Double = { left + columnWidth * (Double($0) + 0.5) }
        let y: (Double) -> Double = { top + plotHeight * (1 - axis.fraction($0)) }

        // Value axis: grid lines, tick labels, and its title with the unit.
        svg.open("g", ["stroke": "#e5e5e5", "stroke-width": "1"])
        for tick in axis.ticks { svg.element("line", ["x1": num(left), "x2": num(left + plotWidth), "y1": num(y(tick)), "y2": num(y(tick))]) }
        svg.close("g")
        svg.open("g", ["text-anchor": "end", "fill": "#333333"])
        for (tick, label) in zip(axis.ticks, axis.labels) {
            svg.element("text", ["x": num(left - 6), "y": num(y(tick) + 4)], text: label)
        }
        svg.close("g")
        let axisTitle = trend.unit.isEmpty ? trend.metric : "\(trend.metric) (\(trend.unit))"
        svg.element("text", ["x": "16", "y": num(top + plotHeight / 2), "text-anchor": "middle",
                             "transform": "rotate(-90 16 \(num(top + plotHeight / 2)))"], text: axisTitle)
        svg.element("rect", ["x": num(left), "y": num(top), "width": num(plotWidth), "height": num(plotHeight),
                             "fill": "none", "stroke": "#999999"])

        guard columns > 0, !values.isEmpty else {
            svg.element("text", ["x": num(left + plotWidth / 2), "y": num(top + plotHeight / 2), "text-anchor": "middle",
                                 "fill": "#555555"], text: "no samples")
            svg.close("svg")
            return svg.text
        }

        // Time axis: every k-th revision, slanted so long ones fit.
        let every = max(1, (columns + maximumColumnLabels - 1) / maximumColumnLabels)
        svg.open("g", ["text-anchor": "end", "fill": "#333333"])
        for (index, point) in trend.points.enumerated() where index % every == 0 || index == columns - 1 {
            let lx = x(index), ly = top + plotHeight + 14
            svg.element("text", ["x": num(lx), "y": num(ly), "transform": "rotate(-40 \(num(lx)) \(num(ly)))"],
                        text: shortRevision(point.revision.isEmpty ? point.runID : point.revision))
        }
        svg.close("g")
        svg.element("text", ["x": num(left + plotWidth / 2), "y": num(height - 8), "text-anchor": "middle", "fill": "#555555"],
                    text: "revision (one column per run, oldest left)")

        // Samples, then medians on top of them.
        let spread = min(columnWidth * 0.6, 18)
        svg.open("g", ["fill": "#1f77b4", "fill-opacity": "0.55"])
        for (index, point) in trend.points.enumerated() {
            for (j, value) in point.samples.enumerated() where value.isFinite {
                svg.element("circle", ["cx": num(x(index) + jitter(j) * spread), "cy": num(y(value)), "r": "2.4"])
            }
        }
        svg.close("g")
        let medianPoints = analysis.medians.enumerated().compactMap { index, median in
            median.map { "\(num(x(index))),\(num(y($0)))" }
        }
        if medianPoints.count > 1 {
            svg.element("polyline", ["points": medianPoints.joined(separator: " "), "fill": "none", "stroke": "#222222",
                                     "stroke-width": "1.6"])
        }
        svg.open("g", ["fill": "#222222"])
        for (index, median) in analysis.medians.enumerated() {
            if let median { svg.element("rect", ["x": num(x(index) - 3), "y": num(y(median) - 1), "width": "6", "height": "2"]) }
        }
        svg.close("g")

        // Confirmed changes (by later runs, or the newest run by the live gate's re-run), labels
        // staggered so neighbours do not overprint.
        var marks = analysis.changes.filter { $0.pointIndex < columns }.map { (index: $0.pointIndex, label: $0.change.label) }
        if let latest = analysis.latest, latest.confirmedByRerun == true, columns > 0 {
            marks.append((columns - 1, latest.change.label + " (re-run)"))
        }
        for (n, mark) in marks.enumerated() {
            let cx = x(mark.index)
            svg.element("line", ["x1": num(cx), "x2": num(cx), "y1": num(top), "y2": num(top + plotHeight),
                                 "stroke": "#d62728", "stroke-width": "1.5", "stroke-dasharray": "5 3"])
            let rightHalf = cx > left + plotWidth / 2
            svg.element("text", ["x": num(rightHalf ? cx - 4 : cx + 4), "y": num(top + 14 + Double(n % 4) * 14),
                                 "text-anchor": rightHalf ? "end" : "start", "fill": "#d62728"],
                        text: mark.label)
        }

        legend(&svg, y: 52)
        svg.close("svg")
        return svg.text
    }

    /// The chart with changes found by a detector with `configuration`.
    public static func render(_ trend: BenchmarkTrend, configuration: RegressionDetector.Configuration = .init()) -> String {
        render(trend, analysis: BenchmarkTrendAnalysis(trend: trend, configuration: configuration))
    }

    private static func legend(_ svg: inout SVGBuilder, y: Double) {
        let x0 = width - right - 330
        svg.open("g", ["fill": "#333333"])
        svg.element("circle", ["cx": num(x0), "cy": num(y - 4), "r": "2.4", "fill": "#1f77b4"])
        svg.element("text", ["x": num(x0 + 8), "y": num(y)], text: "samples")
        svg.element("line", ["x1": num(x0 + 70), "x2": num(x0 + 90), "y1": num(y - 4), "y2": num(y - 4), "stroke": "#222222",
                             "stroke-width": "1.6"])
        svg.element("text", ["x": num(x0 + 96), "y": num(y)], text: "median per run")
        svg.element("line", ["x1": num(x0 + 196), "x2": num(x0 + 196), "y1": num(y - 10), "y2": num(y + 2), "stroke": "#d62728",
                             "stroke-dasharray": "3 2"])
        svg.element("text", ["x": num(x0 + 202), "y": num(y)], text: "confirmed change")
        svg.close("g")
    }

    /// An offset in [-0.5, 0.5): the fractional golden-ratio sequence spreads any number of
    /// samples evenly without a random generator.
    static func jitter(_ index: Int) -> Double {
        let golden = 0.618_033_988_749_894_9
        let fraction = (Double(index) * golden).truncatingRemainder(dividingBy: 1)
        return fraction - 0.5
    }

    /// Revisions are often full hashes: keep enough to recognise one.
    static func shortRevision(_ revision: String) -> String {
        revision.count > 16 ? String(revision.prefix(15)) + "…" : revision
    }

    /// Coordinates with two decimals: stable text, sub-pixel precise.
    static func num(_ value: Double) -> String {
        let text = ChartNumberFormat.fixed(value, decimals: 2)
        return text == "-0.00" ? "0.00" : text
    }
}
