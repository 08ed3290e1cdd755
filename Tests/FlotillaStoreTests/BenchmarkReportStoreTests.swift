#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
@testable import FlotillaStore
import Foundation
import TestSupport
import Testing

/// `flotilla bench report`'s work: the store's trends written by `BenchmarkReportWriter`.
@Suite("Benchmark report from the store")
struct BenchmarkReportStoreTests {
    /// 14 runs: job `test` measures `parse` on x86 (a +30% step from run 8 on) and `rate`
    /// (higher is better); job `build` measures `parse` on arm; run `r14` has no samples.
    private func filledStore() throws -> StoreFixture {
        let fixture = try StoreFixture("bench-report")
        var rng = SeededGenerator(seed: 11)
        for i in 0..<14 {
            let id = "r\(i)"
            try Samples.insertRun(fixture.store, id, at: 1_700_000_000_000 + Int64(i) * 60_000)
            let level = i >= 8 ? 130.0 : 100.0
            let parse = (0..<8).map { _ in level * (1 + 0.02 * rng.gaussian()) }
            let arm = (0..<8).map { _ in 240 * (1 + 0.02 * rng.gaussian()) }
            let rate = (0..<8).map { _ in 5e9 * (1 + 0.01 * rng.gaussian()) }
            try fixture.store.recordBenchmarkSamples(BenchmarkSamples.series(id, parse)
                + BenchmarkSamples.series(id, arm, machineClass: "arm64/4c", job: "build")
                + BenchmarkSamples.series(id, rate, metric: "rate", unit: "B/s", lowerIsBetter: false))
        }
        try Samples.insertRun(fixture.store, "r14", at: 1_700_000_000_000 + 14 * 60_000)
        return fixture
    }

    private func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The report's files exist, every chart parses and is linked from the Markdown exactly once.
    private func checkReport(_ output: BenchmarkReportWriter.Output, directory: String, charts: Int) throws {
        #expect(output.markdownPath == directory + "/report.md")
        #expect(output.chartPaths.count == charts)
        let markdown = try read(output.markdownPath)
        for path in output.chartPaths {
            #expect(path.hasPrefix(directory + "/") && path.hasSuffix(".svg"))
            let name = String(path.dropFirst(directory.count + 1))
            #expect(markdown.components(separatedBy: "](\(name))").count == 2, "\(name) is linked once")
            let root = try XMLTree.parse(Array(try read(path).utf8))
            #expect(root.name == "svg")
        }
        let listed = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(listed == (["report.md"] + output.chartPaths.map { String($0.dropFirst(directory.count + 1)) }).sorted(),
                "no temporary files are left")
    }

    @Test func aRunsReportChartsEverySeriesItMeasuredUpToThatRun() throws {
        let fixture = try filledStore()
        let out = try TemporaryDirectory(prefix: "flotilla-report")
        let trends = try fixture.store.benchmarkTrends(runID: "r11", limitRuns: 100)
        #expect(trends.map(\.job) == ["build", "test", "test"])
        #expect(trends.map(\.metric) == ["parse", "parse", "rate"])
        #expect(trends.map(\.machineClass) == ["arm64/4c", "x86_64-8c", "x86_64-8c"])
        #expect(trends.allSatisfy { $0.points.map(\.runID) == (0...11).map { "r\($0)" } })
        #expect(trends[1].points.last?.revision == "rev-r11")
        #expect(trends[2].unit == "B/s" && !trends[2].lowerIsBetter)
        #expect(try fixture.store.benchmarkTrends(runID: "r11", limitRuns: 3)[0].points.map(\.runID) == ["r9", "r10", "r11"])

        let directory = out.file("nested/report dir")
        let output = try BenchmarkReportWriter.write(title: "Benchmarks of run r11", trends: trends, to: directory)
        try checkReport(output, directory: directory, charts: 3)
        let markdown = try read(output.markdownPath)
        // The step at run 8 is confirmed by runs 9 and 10, and only on x86.
        #expect(markdown.contains("at revision rev-r8 (run r8)"))
        #expect(markdown.components(separatedBy: "at revision").count == 2)
        let x86Chart = try read(output.chartPaths[1])
        let change = try #require(BenchmarkTrendAnalysis(trend: trends[1]).changes.first)
        #expect(change.change.label.hasPrefix("+2") || change.change.label.hasPrefix("+3"))
        #expect(x86Chart.contains(">\(change.change.label)</text>"))
        // Writing again replaces the files.
        try checkReport(try BenchmarkReportWriter.write(title: "again", trends: trends, to: directory), directory: directory, charts: 3)
    }

    @Test func aJobsReportChartsEverySeriesOfTheJob() throws {
        let fixture = try filledStore()
        let out = try TemporaryDirectory(prefix: "flotilla-report")
        let trends = try fixture.store.benchmarkTrends(job: "test", pipeline: nil, limitRuns: 100)
        #expect(trends.map(\.metric) == ["parse", "rate"])
        #expect(trends.allSatisfy { $0.points.count == 14 })
        #expect(try fixture.store.benchmarkTrends(job: "test", pipeline: "./ci.yml", limitRuns: 5).allSatisfy { $0.points.count == 5 })
        try checkReport(try BenchmarkReportWriter.write(title: "job", trends: trends, to: out.path), directory: out.path, charts: 2)
    }

    @Test func reportsSayWhatIsMissing() throws {
        let fixture = try filledStore()
        #expect(throws: BenchmarkReportError.unknownRun("nope")) { try fixture.store.benchmarkTrends(runID: "nope", limitRuns: 10) }
        #expect(throws: BenchmarkReportError.noSamplesInRun("r14")) { try fixture.store.benchmarkTrends(runID: "r14", limitRuns: 10) }
        #expect(throws: BenchmarkReportError.unknownJob(job: "lint", pipeline: nil)) {
            try fixture.store.benchmarkTrends(job: "lint", pipeline: nil, limitRuns: 10)
        }
        #expect(throws: BenchmarkReportError.unknownJob(job: "test", pipeline: "other.yml")) {
            try fixture.store.benchmarkTrends(job: "test", pipeline: "other.yml", limitRuns: 10)
        }
        try fixture.store.recordBenchmarkSamples(BenchmarkSamples.series("r14", [1], pipeline: "nightly.yml"))
        let ambiguous = BenchmarkReportError.ambiguousJob(job: "test", pipelines: ["ci.yml", "nightly.yml"])
        #expect(throws: ambiguous) { try fixture.store.benchmarkTrends(job: "test", pipeline: nil, limitRuns: 10) }
        #expect(ambiguous.description.contains("ci.yml, nightly.yml") && ambiguous.description.contains("--pipeline"))
        #expect(try fixture.store.benchmarkTrends(job: "test", pipeline: "nightly.yml", limitRuns: 10).map(\.points.count) == [1])
    }

    @Test func anUnwritableDirectoryIsAClearError() throws {
        let fixture = try filledStore()
        let out = try TemporaryDirectory(prefix: "flotilla-report")
        let file = out.file("plain-file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let trends = try fixture.store.benchmarkTrends(runID: "r3", limitRuns: 10)
        for target in [file, file + "/sub"] {
            let error = try #require(throws: BenchmarkReportError.self) {
                try BenchmarkReportWriter.write(title: "t", trends: trends, to: target)
            }
            guard case .cannotWrite(let path, _, let code, _) = error else {
                Issue.record("expected cannotWrite, got \(error)")
                continue
            }
            #expect(code == ENOTDIR)
            #expect(path.hasPrefix(file))
            #expect(error.description.contains("cannot write the report"))
        }
    }
}
