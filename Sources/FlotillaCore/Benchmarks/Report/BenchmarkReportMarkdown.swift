/// Renders a benchmark report as one Markdown document: a section per series with what was
/// measured, the newest run against its baseline, the confirmed changes and the chart.
public enum BenchmarkReportMarkdown {
    /// One series of the report.
    public struct Section: Sendable, Equatable {
        public var trend: BenchmarkTrend
        public var analysis: BenchmarkTrendAnalysis
        /// The chart's path relative to the Markdown file.
        public var chartPath: String

        public init(trend: BenchmarkTrend, analysis: BenchmarkTrendAnalysis, chartPath: String) {
            self.trend = trend; self.analysis = analysis; self.chartPath = chartPath
        }
    }

    /// The whole document.
    ///
    /// - Parameters:
    ///   - title: the first heading, e.g. "Benchmarks of run r-12"; escaped.
    ///   - sections: in the order to show them.
    public static func render(title: String, sections: [Section]) -> String {
        var lines = ["# \(escape(title))", ""]
        let configuration = sections.first?.analysis.configuration ?? .init()
        lines.append("\(sections.count) series. Changes are Hodges–Lehmann shifts relative to the baseline median, "
                     + "with \(percent(configuration.confidence))% confidence intervals, in the metric's own direction "
                     + "(a throughput that fell reads negative). A confirmed change is a regression larger than "
                     + "\(percent(configuration.minEffect))% that the next \(configuration.confirmationCommits) runs "
                     + "showed again; a one-run spike is not one.")
        for section in sections {
            lines.append("")
            lines += render(section)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func render(_ section: Section) -> [String] {
        let trend = section.trend, analysis = section.analysis
        var lines = ["## \(escape(trend.job)) · \(escape(trend.metric)) · \(escape(trend.machineClass))", ""]
        let unit = trend.unit.isEmpty ? "" : " \(escape(trend.unit))"
        lines.append("- pipeline: \(escape(trend.pipeline)), job: \(escape(trend.job))")
        lines.append("- metric: \(escape(trend.metric))" + (trend.unit.isEmpty ? "" : " (\(escape(trend.unit)))")
                     + ", \(trend.lowerIsBetter ? "lower" : "higher") is better")
        lines.append("- machine class: \(escape(trend.machineClass))")
        let withSamples = trend.points.filter { !$0.samples.isEmpty }.count
        lines.append("- runs: \(trend.points.count) (\(withSamples) with samples, \(trend.sampleCount) samples)")
        if let index = trend.points.indices.last, let median = analysis.medians[index] {
            let point = trend.points[index]
            lines.append("- latest: median \(ChartNumberFormat.readable(median))\(unit) of \(point.samples.count) "
                         + "sample\(point.samples.count == 1 ? "" : "s"), run \(escape(point.runID)) at "
                         + "\(escape(point.revision.isEmpty ? "unknown revision" : point.revision))")
        } else {
            lines.append("- latest: the newest run has no samples")
        }
        if let latest = analysis.latest {
            let verdict: String
            switch (latest.suspected, latest.confirmedByRerun) {
            case (false, _): verdict = ""
            case (true, nil): verdict = " — suspected regression, awaiting confirmation"
            case (true, true?): verdict = " — regression confirmed by a re-run"
            case (true, false?): verdict = " — suspected, but a re-run did not confirm it"
            }
            lines.append("- change vs baseline: \(latest.change.label) (p \(pValue(latest.pValue)), "
                         + "baseline \(latest.baselineRuns) earlier runs\(since(analysis, trend)))\(verdict)")
        } else {
            lines.append("- change vs baseline: not judged (\(analysis.earlierRuns) earlier run"
                         + "\(analysis.earlierRuns == 1 ? "" : "s") with samples\(since(analysis, trend)); "
                         + "\(analysis.configuration.minimumBaselineCommits) needed)")
        }
        if analysis.changes.isEmpty {
            lines.append("- confirmed changes: none")
        } else {
            lines.append("- confirmed changes:")
            for change in analysis.changes {
                let confirming = change.confirmingRunIDs.map(escape).joined(separator: ", ")
                lines.append("  - \(change.change.label) at revision "
                             + "\(escape(change.revision.isEmpty ? "unknown" : change.revision)) (run \(escape(change.runID))), "
                             + "p \(pValue(change.pValue)), confirmed by \(confirming.isEmpty ? "later runs" : confirming)")
            }
        }
        lines.append("")
        lines.append("![\(escape(trend.job)) \(escape(trend.metric)) on \(escape(trend.machineClass))](\(linkTarget(section.chartPath)))")
        return lines
    }

    /// Backslash-escapes Markdown's inline specials and makes HTML inert, so a metric name
    /// such as `p*99` or `<b>` reads as written.
    static func escape(_ raw: String) -> String {
        var out = ""
        for character in raw {
            switch character {
            case "\\", "`", "*", "_", "[", "]", "(", ")", "#", "|", "!", "~", "{", "}":
                out.append("\\"); out.append(character)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\n", "\r", "\t": out.append(" ")
            default: out.append(character)
            }
        }
        return out
    }

    /// A relative link target: percent-encodes what would end or confuse it.
    static func linkTarget(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let safe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
            out += safe ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
        }
        return out
    }

    private static func percent(_ fraction: Double) -> String { ChartNumberFormat.readable(fraction * 100) }

    /// `= 0.042` or `< 0.001`.
    private static func pValue(_ p: Double) -> String {
        p >= 0.001 ? "= " + ChartNumberFormat.fixed(p, decimals: 3) : "< 0.001"
    }

    /// `, since the confirmed change at REV` when the baseline restarted there.
    private static func since(_ analysis: BenchmarkTrendAnalysis, _ trend: BenchmarkTrend) -> String {
        guard let change = analysis.changes.last else { return "" }
        return ", since the confirmed change at \(escape(change.revision.isEmpty ? change.runID : change.revision))"
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
