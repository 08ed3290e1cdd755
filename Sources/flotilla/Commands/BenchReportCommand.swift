import FlotillaCore
import FlotillaStore

extension BenchCommand {
    /// How many runs a chart shows when `--runs` is not given.
    static let defaultReportRuns = 100

    /// `flotilla bench report (RUN | --job JOB [--pipeline FILE]) -o DIR [--state DIR] [--runs N] [--effect PERCENT]`:
    /// writes `DIR/report.md` and one SVG trend chart per series (job, metric, machine class).
    ///
    /// Reads the local state directory like `runs` and `logs`. With RUN, every series that run
    /// measured, with its history up to and including the run; with `--job`, every series of
    /// the job up to its newest run. Exit 0 when written; 2 for usage errors, an unknown run
    /// or job, no samples, or a directory that cannot be written.
    static func report(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "bench report", arguments: arguments.map { $0 == "-o" ? "--output" : $0 },
                                    valueOptions: ["output", "state", "job", "pipeline", "runs", "effect"], flagOptions: [])
        try args.noExtraPositionals(after: 1)
        guard let output = args.value("output"), !output.isEmpty else {
            throw UsageError(command: "bench report", message: "missing -o DIR (where report.md and the charts go)")
        }
        let runs = try args.integer("runs", default: defaultReportRuns, range: 1...10_000)
        let configuration = RegressionDetector.Configuration(minEffect: try minEffect(args))
        let selection: BenchReportSelection
        switch (args.positionals.first, args.value("job")) {
        case (let run?, nil):
            guard args.value("pipeline") == nil else {
                throw UsageError(command: "bench report", message: "--pipeline goes with --job, not with a run id")
            }
            selection = .run(run)
        case (nil, let job?):
            selection = .job(job, pipeline: args.value("pipeline"))
        case (.some, .some):
            throw UsageError(command: "bench report", message: "give either RUN or --job JOB, not both")
        case (nil, nil):
            throw UsageError(command: "bench report", message: "missing RUN (a run id, see 'flotilla runs') or --job JOB")
        }
        let store = try HistoryCommands.openStore(stateDirectory(args.value("state")), command: "bench report")
        do {
            let written = try writeReport(store: store, selection: selection, directory: output, runs: runs,
                                          configuration: configuration)
            printLine("wrote \(written.markdownPath) and \(written.chartPaths.count) chart\(written.chartPaths.count == 1 ? "" : "s")")
            return ExitCode.success
        } catch let error as BenchmarkReportError {
            printError("flotilla bench report: \(error)")
            return ExitCode.unrunnable
        }
    }

    /// The command's work once its arguments are understood: reads the series `selection`
    /// names from `store` and writes the report into `directory`.
    ///
    /// - Throws: `BenchmarkReportError` (unknown run or job, no samples, ambiguous job, cannot
    ///   write) or a `StoreError`.
    static func writeReport(store: CoordinatorStore, selection: BenchReportSelection, directory: String, runs: Int,
                            configuration: RegressionDetector.Configuration) throws -> BenchmarkReportWriter.Output {
        let trends: [BenchmarkTrend]
        let title: String
        switch selection {
        case .run(let runID):
            trends = try store.benchmarkTrends(runID: runID, limitRuns: runs)
            title = "Benchmarks of run \(runID)"
        case .job(let job, let pipeline):
            trends = try store.benchmarkTrends(job: job, pipeline: pipeline, limitRuns: runs)
            title = "Benchmarks of job \(job) (\(trends.first?.pipeline ?? pipeline ?? ""))"
        }
        return try BenchmarkReportWriter.write(title: title, trends: trends, to: directory, configuration: configuration)
    }
}

/// What `flotilla bench report` reports on.
enum BenchReportSelection: Equatable {
    /// Every series measured in one run.
    case run(String)
    /// Every series of one job; the pipeline is needed when the job id is in several.
    case job(String, pipeline: String?)
}
