import FlotillaCore
import FlotillaStore
import WireProtocol

/// Benchmark samples: stored as they arrive, per (pipeline, job, metric, machine class, run,
/// revision); a suspicious result is re-run on the same class before the run ends; the
/// performance gate's evidence is built from both when the run is judged.
extension CoordinatorServer {
    /// Earlier runs a performance judgement looks back on (the detector uses at most its baseline window).
    static let benchmarkHistoryRuns = 40

    /// One measured iteration of a benchmark job arrived from an agent: made durable at once.
    /// A confirmation re-run's samples are kept under the job it confirms, as `confirm`.
    func receivedMetricSamples(_ samples: MetricSamples, from session: PeerSession) {
        let connection = session.connection.id
        guard let agent = core.agents[connection], agent.running.contains(samples.job),
              let run = core.runs[samples.job.runID], let index = run.indexByID[samples.job.jobID],
              run.jobs[index].planned.benchmark != nil else {
            logger.warning("ignoring benchmark samples for an attempt this agent does not run as a benchmark",
                           ["run.id": samples.job.runID, "job.id": samples.job.jobID, "job.attempt": String(samples.job.attempt)])
            return
        }
        let confirmation = run.confirmations[samples.job.jobID]
        let now = Self.wallClockMillis()
        let records = samples.metrics.map { metric in
            BenchmarkSampleRecord(runID: run.id, pipeline: Self.pipelineKey(run.pipelineFileName),
                                  job: confirmation?.parent ?? samples.job.jobID,
                                  metric: metric.name, unit: metric.unit, lowerIsBetter: metric.lowerIsBetter,
                                  machineClass: agent.machineClass, agent: agent.name, revision: run.sourceRevision,
                                  attempt: Int(samples.job.attempt), iteration: Int(samples.iteration), value: metric.value,
                                  purpose: confirmation == nil ? .run : .confirm, recordedAtMillis: now)
        }
        do throws(StoreError) {
            try store.recordBenchmarkSamples(records)
        } catch {
            logger.error("cannot store benchmark samples", ["run.id": run.id, "job.id": samples.job.jobID,
                                                            "error": error.description])
        }
    }

    /// A benchmark attempt succeeded: when its samples look like a regression a performance
    /// gate would act on, a confirmation re-run is added before the result reaches the core.
    func confirmIfSuspected(_ finished: JobFinished, from connection: ConnectionID) {
        guard finished.outcome == .success, let agent = core.agents[connection], agent.running.contains(finished.job),
              let run = core.runs[finished.job.runID], let index = run.indexByID[finished.job.jobID],
              run.jobs[index].planned.benchmark != nil, run.confirmations[finished.job.jobID] == nil,
              run.gates.contains(where: { $0.kind == .performance }) else { return }
        let evidence = performanceEvidence(run, jobs: [run.jobs[index]], attempts: [finished.job.jobID: finished.job.attempt])
        let suspects = PerformanceGate.suspects(evidence, gates: run.gates, emergency: run.emergency)
        guard !suspects.isEmpty else { return }
        let (id, actions) = core.confirmBenchmark(runID: run.id, jobID: finished.job.jobID, machineClass: agent.machineClass,
                                                  avoidAgent: agent.name, now: loop.nowMillis())
        guard let id else { return }
        logger.notice("suspected benchmark regression; re-running to confirm", [
            "run.id": run.id, "job.id": finished.job.jobID, "confirm.job.id": id, "machine.class": agent.machineClass,
            "metrics": suspects.map(\.metric).joined(separator: ","),
        ])
        perform(actions)
    }

    /// The pipeline part of benchmark keys: the file as submitted, without a leading `./`.
    static func pipelineKey(_ fileName: String) -> String {
        var file = Substring(fileName)
        while file.hasPrefix("./") { file = file.dropFirst(2) }
        return String(file)
    }

    /// The performance gate's evidence for a finished run: each benchmark job that succeeded,
    /// per metric and machine class, with its confirmation re-run's samples when one ran.
    func performanceEvidence(_ run: RunRecord) -> [PerformanceEvidence] {
        let jobs = run.jobs.filter { $0.planned.benchmark != nil && run.confirmations[$0.planned.id] == nil && $0.state == .succeeded }
        return jobs.isEmpty ? [] : performanceEvidence(run, jobs: jobs, attempts: [:])
    }

    /// Evidence for `jobs` of `run`: each job's samples of its attempt (`attempts`, else its
    /// current one) against the same series' earlier runs.
    private func performanceEvidence(_ run: RunRecord, jobs: [JobRecord], attempts: [String: UInt32]) -> [PerformanceEvidence] {
        let samples: [BenchmarkSampleRecord]
        do throws(StoreError) {
            samples = try store.benchmarkSamples(runID: run.id)
        } catch {
            logger.warning("cannot read the run's benchmark samples", ["run.id": run.id, "error": error.description])
            return []
        }
        var evidence: [PerformanceEvidence] = []
        for job in jobs {
            let attempt = Int(attempts[job.planned.id] ?? job.attempts)
            let mine = samples.filter { $0.job == job.planned.id && $0.attempt == attempt && $0.purpose == .run }
            let confirming = confirmationSamples(run, parent: job.planned.id, samples: samples)
            let series = Dictionary(grouping: mine) { "\($0.metric)\u{0}\($0.machineClass)" }
            for key in series.keys.sorted() {
                let points = series[key]!.sorted { $0.iteration < $1.iteration }
                let first = points[0]
                let history: [BenchmarkPoint]
                do throws(StoreError) {
                    history = try store.benchmarkHistory(pipeline: first.pipeline, job: first.job, metric: first.metric,
                                                         machineClass: first.machineClass, before: run.id,
                                                         limitRuns: Self.benchmarkHistoryRuns)
                } catch {
                    logger.warning("cannot read a benchmark history", ["run.id": run.id, "metric": first.metric,
                                                                       "error": error.description])
                    continue
                }
                let confirmation = confirming.filter { $0.metric == first.metric && $0.machineClass == first.machineClass }
                evidence.append(PerformanceEvidence(
                    job: job.planned.id, jobName: job.planned.displayName, metric: first.metric, unit: first.unit,
                    lowerIsBetter: first.lowerIsBetter, machineClass: first.machineClass,
                    history: history.map(\.samples), historyRevisions: history.map(\.revision),
                    current: points.map(\.value), currentRevision: run.sourceRevision,
                    confirmation: confirmation.isEmpty ? nil : confirmation.sorted { $0.iteration < $1.iteration }.map(\.value),
                    confirmationAgent: confirmation.first?.agent))
            }
        }
        return evidence
    }

    /// The samples of the confirmation re-run of `parent` that succeeded (its final attempt).
    private func confirmationSamples(_ run: RunRecord, parent: String, samples: [BenchmarkSampleRecord]) -> [BenchmarkSampleRecord] {
        guard let (id, _) = run.confirmations.first(where: { $0.value.parent == parent }),
              let index = run.indexByID[id], run.jobs[index].state == .succeeded else { return [] }
        let attempt = Int(run.jobs[index].attempts)
        return samples.filter { $0.job == parent && $0.purpose == .confirm && $0.attempt == attempt }
    }
}
