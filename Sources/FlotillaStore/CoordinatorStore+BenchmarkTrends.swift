import FlotillaCore

extension CoordinatorStore {
    /// Every benchmark series a run measured, each with its history up to and including that
    /// run: what `flotilla bench report RUN` charts.
    ///
    /// A series' points are its `.run` samples of earlier runs (`benchmarkHistory`) and then
    /// the run's own, ordered by job, metric, machine class, then pipeline.
    ///
    /// - Parameter limitRuns: at most this many points per series (the run's own included).
    /// - Throws: `BenchmarkReportError.unknownRun` / `.noSamplesInRun`, or a `StoreError`.
    public func benchmarkTrends(runID: String, limitRuns: Int) throws -> [BenchmarkTrend] {
        guard let run = try run(runID) else { throw BenchmarkReportError.unknownRun(runID) }
        let samples = try benchmarkSamples(runID: runID)
        guard !samples.isEmpty else { throw BenchmarkReportError.noSamplesInRun(runID) }
        var order: [SeriesID] = []
        var own: [SeriesID: [BenchmarkSampleRecord]] = [:]
        for sample in samples {
            let id = SeriesID(pipeline: sample.pipeline, job: sample.job, metric: sample.metric,
                              machineClass: sample.machineClass)
            if own[id] == nil { order.append(id) }
            own[id, default: []].append(sample)
        }
        var trends: [BenchmarkTrend] = []
        for id in order.sorted() {
            let records = own[id]!
            let measured = records.filter { $0.purpose == .run }
                .sorted { ($0.attempt, $0.iteration) < ($1.attempt, $1.iteration) }
            let history = limitRuns > 1
                ? try benchmarkHistory(pipeline: id.pipeline, job: id.job, metric: id.metric, machineClass: id.machineClass,
                                       before: runID, limitRuns: limitRuns - 1)
                : []
            let describing = measured.last ?? records.last!
            var points = history.map(Self.trendPoint)
            if limitRuns > 0 {
                let rerun = records.filter { $0.purpose == .confirm }
                    .sorted { ($0.attempt, $0.iteration) < ($1.attempt, $1.iteration) }
                points.append(BenchmarkTrend.Point(runID: runID, revision: measured.first?.revision ?? run.sourceRevision,
                                                   submittedAtMillis: run.submittedAt, samples: measured.map(\.value),
                                                   rerun: rerun.map(\.value)))
            }
            trends.append(BenchmarkTrend(pipeline: id.pipeline, job: id.job, metric: id.metric, unit: describing.unit,
                                         lowerIsBetter: describing.lowerIsBetter, machineClass: id.machineClass,
                                         points: points))
        }
        return trends
    }

    /// Every benchmark series of a job with its newest `limitRuns` points: what
    /// `flotilla bench report --job JOB` charts, ordered by metric, then machine class.
    ///
    /// - Parameter pipeline: the job's pipeline file (a leading `./` is ignored); `nil` when
    ///   the job id is in one pipeline only.
    /// - Throws: `BenchmarkReportError.unknownJob`, or `.ambiguousJob` (listing the pipelines)
    ///   when `pipeline` is `nil` and several pipelines have the job; or a `StoreError`.
    public func benchmarkTrends(job: String, pipeline: String?, limitRuns: Int) throws -> [BenchmarkTrend] {
        var wanted: Substring? = pipeline.map { Substring($0) }
        while wanted?.hasPrefix("./") == true { wanted = wanted!.dropFirst(2) }
        let keys = try benchmarkSeries(pipeline: wanted.map { String($0) }, job: job)
        guard !keys.isEmpty else { throw BenchmarkReportError.unknownJob(job: job, pipeline: pipeline) }
        let pipelines = Array(Set(keys.map { (key: BenchmarkSeriesKey) in key.pipeline })).sorted()
        if pipelines.count > 1 { throw BenchmarkReportError.ambiguousJob(job: job, pipelines: pipelines) }
        var trends: [BenchmarkTrend] = []
        for key in keys {
            let history = try benchmarkHistory(pipeline: key.pipeline, job: key.job, metric: key.metric,
                                               machineClass: key.machineClass, before: nil, limitRuns: limitRuns)
            trends.append(BenchmarkTrend(pipeline: key.pipeline, job: key.job, metric: key.metric, unit: key.unit,
                                         lowerIsBetter: key.lowerIsBetter, machineClass: key.machineClass,
                                         points: history.map(Self.trendPoint)))
        }
        return trends
    }

    private static func trendPoint(_ point: BenchmarkPoint) -> BenchmarkTrend.Point {
        BenchmarkTrend.Point(runID: point.runID, revision: point.revision, submittedAtMillis: point.submittedAtMillis,
                             samples: point.samples)
    }
}

/// A series' identity, ordered for reports: job, metric, machine class, pipeline.
private struct SeriesID: Hashable, Comparable {
    var pipeline: String, job: String, metric: String, machineClass: String

    static func < (a: SeriesID, b: SeriesID) -> Bool {
        (a.job, a.metric, a.machineClass, a.pipeline) < (b.job, b.metric, b.machineClass, b.pipeline)
    }
}
