@testable import FlotillaCore
import Testing

/// Trends for chart and report tests, from seeded histories.
enum TrendSamples {
    static func trend(_ samples: [[Double]], metric: String = "parse", unit: String = "ms", lowerIsBetter: Bool = true,
                      job: String = "bench", machineClass: String = "x86_64-8c") -> BenchmarkTrend {
        BenchmarkTrend(pipeline: "ci.yml", job: job, metric: metric, unit: unit, lowerIsBetter: lowerIsBetter,
                       machineClass: machineClass,
                       points: samples.enumerated().map { i, values in
                           BenchmarkTrend.Point(runID: "run-\(i)", revision: "git:\(String(i, radix: 16))abc\(i)",
                                                submittedAtMillis: 1_700_000_000_000 + Int64(i) * 60_000, samples: values)
                       })
    }

    /// 30 commits around `level`, 10 samples each, 2% CV, times `factor` from commit `step` on.
    static func stepped(seed: UInt64 = 7, level: Double = 100, step: Int = 18, factor: Double = 1.25) -> [[Double]] {
        var synthetic = SyntheticHistory(seed: seed, commits: 30, repeats: 10, cv: 0.02)
        return synthetic.make { $0 >= step ? level * factor : level }
    }
}

@Suite("Benchmark trend chart (SVG)")
struct TrendChartSVGTests {
    /// Parses with the project's strict XML parser; returns the root.
    private func parse(_ svg: String) throws -> XMLTree.Element {
        try XMLTree.parse(Array(svg.utf8))
    }

    private func all(_ element: XMLTree.Element, named name: String) -> [XMLTree.Element] {
        (element.name == name ? [element] : []) + element.elements.flatMap { all($0, named: name) }
    }

    private func texts(_ root: XMLTree.Element) -> [String] { all(root, named: "text").map(\.text) }

    @Test func aSteppedSeriesChartsEverySampleTheMedianAndTheConfirmedChange() throws {
        let trend = TrendSamples.trend(TrendSamples.stepped())
        let analysis = BenchmarkTrendAnalysis(trend: trend)
        let change = try #require(analysis.changes.first)
        #expect(analysis.changes.count == 1)
        #expect(change.pointIndex == 18)
        #expect(change.runID == "run-18")
        #expect(change.change.estimate > 0.2 && change.change.estimate < 0.3)
        #expect(change.change.low <= change.change.estimate && change.change.estimate <= change.change.high)

        let svg = TrendChartSVG.render(trend, analysis: analysis)
        let root = try parse(svg)
        #expect(root.name == "svg")
        #expect(root.attribute("xmlns") == "http://www.w3.org/2000/svg")
        // Every sample is a dot (the legend adds one).
        #expect(all(root, named: "circle").count == trend.sampleCount + 1)
        let median = try #require(all(root, named: "polyline").first)
        #expect(median.attribute("points")?.split(separator: " ").count == 30)
        #expect(texts(root).contains(change.change.label))
        #expect(change.change.label.hasPrefix("+2"))
        #expect(texts(root).contains("parse (ms)"))
        #expect(svg == TrendChartSVG.render(trend, analysis: analysis), "rendering is deterministic")
    }

    @Test func labelsLookLikePlusPercentAndInterval() {
        let change = BenchmarkTrendAnalysis.RelativeChange(estimate: 0.1234, low: 0.081, high: 0.16)
        #expect(change.label == "+12.3% [8.1, 16.0]")
        let drop = BenchmarkTrendAnalysis.RelativeChange(estimate: -0.2, low: -0.25, high: -0.151)
        #expect(drop.label == "-20.0% [-25.0, -15.1]")
        #expect(BenchmarkTrendAnalysis.RelativeChange(estimate: .infinity, low: 1, high: .infinity).label == "+inf% [100.0, inf]")
    }

    @Test func aThroughputThatFellIsARegressionWithANegativeChange() throws {
        // Higher is better: a 20% drop is the regression, a 20% rise is not.
        let drop = TrendSamples.trend(TrendSamples.stepped(factor: 0.8), metric: "throughput", unit: "MB/s", lowerIsBetter: false)
        let analysis = BenchmarkTrendAnalysis(trend: drop)
        let change = try #require(analysis.changes.first)
        #expect(change.pointIndex == 18)
        #expect(change.change.estimate < -0.15 && change.change.estimate > -0.25)
        #expect(change.change.low <= change.change.estimate && change.change.estimate <= change.change.high)
        // Negation makes the effect the metric's own relative change: the detector on the
        // negated samples reports the same magnitude.
        let negated = TrendSamples.stepped(factor: 0.8).map { $0.map { -$0 } }
        let flag = try #require(RegressionDetector().detect(samples: negated).first)
        #expect(change.change.estimate == -flag.effect)
        #expect(change.change.low == -flag.ciHigh && change.change.high == -flag.ciLow)
        #expect(try texts(parse(TrendChartSVG.render(drop, analysis: analysis))).contains(change.change.label))

        let rise = TrendSamples.trend(TrendSamples.stepped(factor: 1.25), metric: "throughput", unit: "MB/s", lowerIsBetter: false)
        #expect(BenchmarkTrendAnalysis(trend: rise).changes.isEmpty)
    }

    @Test func aOneRunSpikeIsNotMarked() {
        var samples = TrendSamples.stepped(factor: 1)
        samples[20] = samples[20].map { $0 * 1.4 }
        let analysis = BenchmarkTrendAnalysis(trend: TrendSamples.trend(samples))
        #expect(analysis.changes.isEmpty)
    }

    @Test func edgeCasesStillParse() throws {
        let cases: [(String, [[Double]])] = [
            ("no runs", []),
            ("one run", [[5, 5.1, 4.9]]),
            ("one sample", [[42]]),
            ("identical", Array(repeating: [7, 7, 7], count: 12)),
            ("zeros", Array(repeating: [0, 0], count: 3)),
            ("huge", (0..<10).map { i in [1e12 + Double(i), 1.000_000_000_003e12] }),
            ("tiny", (0..<10).map { i in [1e-9 * (1 + Double(i) / 100), 1.2e-9] }),
            ("negative", [[-3, -2.5], [-2, -2.2]]),
            ("empty points", [[], [1, 2], [], [3]]),
            ("all empty", [[], []]),
            ("wide", (0..<300).map { i in [Double(i % 7) + 100] }),
        ]
        for (name, samples) in cases {
            let trend = TrendSamples.trend(samples)
            let svg = TrendChartSVG.render(trend)
            let root = try parse(svg)
            #expect(root.name == "svg", "\(name)")
            let circles = all(root, named: "circle").count - (trend.sampleCount > 0 ? 1 : 0)
            #expect(circles == trend.sampleCount, "\(name)")
            for element in all(root, named: "circle") + all(root, named: "line") {
                for attribute in element.attributes where ["cx", "cy", "x1", "x2", "y1", "y2"].contains(attribute.name) {
                    #expect(Double(attribute.value)?.isFinite == true, "\(name): \(attribute.name)=\(attribute.value)")
                }
            }
            if trend.sampleCount == 0 { #expect(texts(root).contains("no samples"), "\(name)") }
        }
    }

    @Test func hostileNamesAreEscapedAndRoundTrip() throws {
        let metric = "p<99> & \"tail\" 'ms'\u{01}]]>"
        let trend = TrendSamples.trend([[1, 2], [2, 3]], metric: metric, unit: "µs<", job: "job&<script>",
                                       machineClass: "class\"x")
        let svg = TrendChartSVG.render(trend)
        #expect(!svg.contains("<script>"))
        let root = try parse(svg)
        let title = all(root, named: "title").first?.text
        #expect(title == "job&<script> · p<99> & \"tail\" 'ms'\u{FFFD}]]> · class\"x")
        #expect(texts(root).contains("p<99> & \"tail\" 'ms'\u{FFFD}]]> (µs<)"))
    }

    @Test func axisTicksCoverTheValuesWithDistinctLabels() {
        let cases: [[Double]] = [[1, 2, 3], [7, 7], [0], [1e9, 1e9 + 10], [1.5e-9, 1.7e-9], [-5, 5], [123_456_789, 123_456_790],
                                 [0.001, 0.0013], [2e15, 3e15]]
        for values in cases {
            let axis = ChartAxis(covering: values)
            #expect(axis.low <= values.min()! && axis.high >= values.max()!, "\(values)")
            #expect(axis.low < axis.high, "\(values)")
            #expect(axis.ticks.count >= 2 && axis.ticks.count <= 12, "\(values): \(axis.ticks)")
            #expect(Set(axis.labels).count == axis.labels.count, "\(values): \(axis.labels)")
            #expect(!axis.labels.contains { $0.hasPrefix("-0") && Double($0) == 0 }, "\(values): \(axis.labels)")
        }
        #expect(ChartAxis(covering: [1e9, 1e9 + 10]).labels.allSatisfy { $0.contains("e+09") })
        #expect(ChartAxis(covering: [1, 2, 3]).labels.contains("2.0") || ChartAxis(covering: [1, 2, 3]).labels.contains("2"))
    }

    @Test func jitterIsDeterministicAndWithinTheColumn() {
        let offsets = (0..<100).map(TrendChartSVG.jitter)
        #expect(offsets.allSatisfy { $0 >= -0.5 && $0 < 0.5 })
        #expect(Set(offsets).count == 100)
        #expect(offsets == (0..<100).map(TrendChartSVG.jitter))
    }
}

@Suite("Benchmark report (Markdown and files)")
struct BenchmarkReportMarkdownTests {
    @Test func aSectionNamesTheSeriesTheLatestRunTheChangesAndTheChart() {
        let trend = TrendSamples.trend(TrendSamples.stepped(), metric: "parse_time*")
        let analysis = BenchmarkTrendAnalysis(trend: trend)
        let text = BenchmarkReportMarkdown.render(title: "Benchmarks of run run-29",
                                                  sections: [.init(trend: trend, analysis: analysis, chartPath: "a b.svg")])
        #expect(text.hasPrefix("# Benchmarks of run run-29\n"))
        #expect(text.contains("## bench · parse\\_time\\* · x86\\_64-8c"))
        #expect(text.contains("- metric: parse\\_time\\* (ms), lower is better"))
        #expect(text.contains("- runs: 30 (30 with samples, 300 samples)"))
        #expect(text.contains("- latest: median 12"))
        #expect(text.contains("run run-29 at git:1dabc29"))
        let latest = analysis.latest!
        #expect(text.contains("- change vs baseline: \(latest.change.label) (p = "))
        // After the confirmed change the baseline restarts there, so the newest run is not "worse" again.
        #expect(analysis.baselineStart == 18 && latest.baselineRuns == 11 && !latest.suspected)
        #expect(abs(latest.change.estimate) < 0.05)
        #expect(text.contains("baseline 11 earlier runs, since the confirmed change at git:12abc18)"))
        #expect(text.contains("  - \(analysis.changes[0].change.label) at revision git:12abc18 (run run-18)"))
        #expect(text.contains("confirmed by run-19, run-20"))
        #expect(text.contains("](a%20b.svg)"))
    }

    @Test func tooShortAHistoryIsNotJudged() {
        let trend = TrendSamples.trend([[1, 2], [1, 2], [2, 3]])
        let text = BenchmarkReportMarkdown.render(title: "t", sections: [.init(trend: trend, analysis: BenchmarkTrendAnalysis(trend: trend),
                                                                             chartPath: "x.svg")])
        #expect(text.contains("- change vs baseline: not judged (2 earlier runs with samples; 5 needed)"))
        #expect(text.contains("- confirmed changes: none"))
    }

    @Test func theLiveGatesReRunDecidesWhatTheReportSaysOfTheNewestRun() {
        // Eight stable runs, then a 25% slower one; the live gate re-ran it once.
        let history = Array(TrendSamples.stepped(step: 99).prefix(9))
        var slow = history
        slow[8] = slow[8].map { $0 * 1.25 }
        func text(rerunFactor: Double?) -> (BenchmarkTrendAnalysis, String) {
            var trend = TrendSamples.trend(slow)
            if let rerunFactor { trend.points[8].rerun = history[7].map { $0 * rerunFactor } }
            let analysis = BenchmarkTrendAnalysis(trend: trend)
            return (analysis, BenchmarkReportMarkdown.render(title: "t", sections: [.init(trend: trend, analysis: analysis,
                                                                                          chartPath: "x.svg")]))
        }
        let (none, awaiting) = text(rerunFactor: nil)
        #expect(none.latest?.suspected == true && none.latest?.confirmedByRerun == nil)
        #expect(awaiting.contains("suspected regression, awaiting confirmation"))
        let (confirmed, confirmedText) = text(rerunFactor: 1.25)
        #expect(confirmed.latest?.confirmedByRerun == true)
        #expect(confirmedText.contains("regression confirmed by a re-run"))
        var confirmedTrend = TrendSamples.trend(slow)
        confirmedTrend.points[8].rerun = history[7].map { $0 * 1.25 }
        #expect(TrendChartSVG.render(confirmedTrend, analysis: confirmed).contains("(re-run)"), "the chart marks it")
        #expect(!TrendChartSVG.render(TrendSamples.trend(slow), analysis: none).contains("(re-run)"))
        let (refuted, refutedText) = text(rerunFactor: 1.0)
        #expect(refuted.latest?.confirmedByRerun == false)
        #expect(refutedText.contains("a re-run did not confirm it"))
    }

    @Test func escapingMakesMarkupInert() {
        #expect(BenchmarkReportMarkdown.escape("<img src=x>|[a](b)") == "&lt;img src=x&gt;\\|\\[a\\]\\(b\\)")
        #expect(BenchmarkReportMarkdown.linkTarget("a/b c(1).svg") == "a/b%20c%281%29.svg")
    }

    @Test func chartFileNamesAreSafeAndNeverCollide() {
        let trends = [
            TrendSamples.trend([], metric: "a/b", job: "bench"),
            TrendSamples.trend([], metric: "a_b", job: "bench"),
            TrendSamples.trend([], metric: "A_B", job: "bench"),
            TrendSamples.trend([], metric: "..", job: "", machineClass: ""),
            TrendSamples.trend([], metric: String(repeating: "m", count: 200) + "1", job: "bench"),
            TrendSamples.trend([], metric: String(repeating: "m", count: 200) + "2", job: "bench"),
        ]
        let names = BenchmarkReportWriter.chartFileNames(for: trends)
        #expect(names.count == trends.count)
        #expect(Set(names.map { $0.lowercased() }).count == names.count)
        #expect(names[0] == "bench--a_b--x86_64-8c.svg")
        #expect(names[1] == "bench--a_b--x86_64-8c-2.svg")
        #expect(names[2] == "bench--A_B--x86_64-8c-3.svg")
        for name in names {
            #expect(name.hasSuffix(".svg") && !name.hasPrefix(".") && name.utf8.count < 140)
            #expect(name.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) })
        }
        #expect(names == BenchmarkReportWriter.chartFileNames(for: trends))
    }
}
