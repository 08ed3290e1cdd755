import FlotillaCore
import WireProtocol

/// One run of all of a benchmark job's steps.
struct BenchmarkIteration: Sendable {
    /// `FLOTILLA_BENCHMARK_ITERATION`: 1-based over all iterations, warm-up ones first.
    static let iterationVariable = "FLOTILLA_BENCHMARK_ITERATION"
    /// `FLOTILLA_BENCHMARK_WARMUP`: `1` in a warm-up iteration, else `0`.
    static let warmupVariable = "FLOTILLA_BENCHMARK_WARMUP"
    /// `FLOTILLA_METRICS`: the JSON-lines file the steps may write metrics to.
    static let metricsVariable = "FLOTILLA_METRICS"
    /// Largest metrics file the agent reads; a bigger one fails the job.
    static let maxMetricsFileBytes = 1 << 20

    var number: Int
    var isWarmup: Bool
    var metricsPath: String
    let collector = BenchmarkMetricCollector()
}

extension JobRunner {
    /// Runs all steps `warmup + repeatCount` times in `workspace` and emits one
    /// `metricSamples` event after each measured iteration.
    ///
    /// Each iteration starts with a fresh, empty metrics file in the workspace's temporary
    /// directory (outside the checkout) and is announced in the job log. Iterations stop at
    /// the first that fails: a failing step, bad metrics (written to the job log with the step
    /// and line), a timeout or a cancel.
    func runBenchmark(_ settings: BenchmarkSettings, in workspace: JobWorkspace, progress: inout JobProgress) async {
        let warmup = Int(settings.warmup), total = Int(settings.warmup) + Int(settings.repeatCount)
        logger.info("benchmark started", ["benchmark.warmup": String(warmup), "benchmark.repeat": String(settings.repeatCount)])
        for number in 1...total {
            let isWarmup = number <= warmup
            let fileName = "metrics-\(number).jsonl"
            let created = await offload { Result { () throws(WorkspaceError) in try workspace.writeFile(named: fileName, bytes: []) } }
            guard case .success(let metricsPath) = created else {
                if case .failure(let error) = created { failBenchmark("cannot create the metrics file: \(error)", stepIndex: 0, progress: &progress) }
                return
            }
            let what = isWarmup ? "warm-up \(number)/\(warmup)" : "measured \(number - warmup)/\(settings.repeatCount)"
            streamer.writeSystemLine("benchmark iteration \(number)/\(total) (\(what))", stepIndex: 0)
            let iteration = BenchmarkIteration(number: number, isWarmup: isWarmup, metricsPath: metricsPath)
            await runSteps(in: workspace, progress: &progress, iteration: iteration)
            if stopsIterations(&progress) { return }

            let lastStep = max(0, assignment.steps.count - 1)
            let fromFile: [MetricReading]
            switch await offload({ Self.readMetricsFile(fileName, in: workspace) }) {
            case .success(let readings): fromFile = readings
            case .failure(let failure):
                failBenchmark("benchmark iteration \(number): \(failure.message)", stepIndex: lastStep, progress: &progress)
                return
            }
            if case .failure(let error) = await offload({ Result { () throws(WorkspaceError) in try workspace.removeFile(named: fileName) } }) {
                logger.warning("cannot remove a metrics file", ["error": error.description])
            }
            guard !isWarmup else { continue }
            let readings = iteration.collector.readings + fromFile
            if readings.isEmpty {
                failBenchmark("benchmark iteration \(number) (\(what)) reported no metric: print lines such as "
                              + "`::metric name=NAME unit=UNIT value=NUMBER` or write JSON lines to $\(BenchmarkIteration.metricsVariable)",
                              stepIndex: lastStep, progress: &progress)
                return
            }
            if readings.count > MetricSamples.maxMetrics {
                failBenchmark("benchmark iteration \(number) (\(what)) reported \(readings.count) metrics, more than the "
                              + "\(MetricSamples.maxMetrics) one iteration may report", stepIndex: lastStep, progress: &progress)
                return
            }
            let metrics = readings.map { MetricSample(name: $0.name, unit: $0.unit, value: $0.value, lowerIsBetter: $0.lowerIsBetter) }
            events(.metricSamples(MetricSamples(job: assignment.job, iteration: UInt32(number - warmup), metrics: metrics)))
        }
    }

    /// Fails the job for a benchmark-specific reason, saying why in the job log.
    func failBenchmark(_ message: String, stepIndex: Int, progress: inout JobProgress) {
        streamer.writeSystemLine("benchmark failed: \(message)", stepIndex: UInt32(stepIndex))
        logger.warning("benchmark failed", ["error": message])
        progress.recordMetricsFailure()
    }

    /// Whether the iterations end here: the job failed, or a timeout or cancel arrived (which
    /// then decides the outcome even though it landed between steps).
    private func stopsIterations(_ progress: inout JobProgress) -> Bool {
        let (timedOut, cancelled) = state.withLock { ($0.jobTimedOut, $0.cancelReason != nil) }
        if timedOut { progress.sawTimeout = true }
        if cancelled { progress.sawCancel = true }
        return timedOut || cancelled || progress.jobFailed
    }

    private struct MetricsFileFailure: Error { var message: String }

    /// The readings of the metrics file the steps wrote, read within `maxMetricsFileBytes`.
    private static func readMetricsFile(_ name: String, in workspace: JobWorkspace) -> Result<[MetricReading], MetricsFileFailure> {
        let path = "$\(BenchmarkIteration.metricsVariable) (\(workspace.temporaryDirectory)/\(name))"
        let bytes: [UInt8]
        do {
            guard let read = try workspace.readFile(named: name, limit: BenchmarkIteration.maxMetricsFileBytes) else {
                return .failure(MetricsFileFailure(message: "\(path) holds more than \(BenchmarkIteration.maxMetricsFileBytes) bytes "
                                                   + "(1 MiB), the most the agent reads"))
            }
            bytes = read
        } catch {
            return .failure(MetricsFileFailure(message: "cannot read \(path): \(error)"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(MetricsFileFailure(message: "\(path) is not UTF-8 text"))
        }
        do {
            return .success(try MetricLineParser.parseJSONLines(text))
        } catch {
            return .failure(MetricsFileFailure(message: "\(path) \(error)"))
        }
    }
}
