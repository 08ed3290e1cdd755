#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import Foundation
import WireProtocol

/// `flotilla-bench dispatch`: dispatch latency and trivial-job throughput, each with a
/// reference measured in the same run.
struct DispatchBenchmark {
    let options: BenchOptions
    /// Holds `pki/`, `coordinator/`, `agents/`, the sources, bundles, scripts and marks.
    let directory: String
    private var marks: String { directory + "/marks" }

    /// The step both the agent and the reference run: bash's own clock, with no fork.
    static let startScript = "printf '%s\\n' \"$EPOCHREALTIME\" > \"$FLOTILLA_BENCH_DIR/$FLOTILLA_RUN_ID.start\"\n"

    struct LatencyResult {
        var dispatch: Distribution
        var reference: Distribution
        var coordinatorToAgent: Distribution
        var agentToRunner: Distribution
        var runnerToProcess: Distribution
        /// Client view of a whole single-job run: `SubmitRun` written → `RunFinished` decoded.
        var roundTrip: Distribution
        var processToRunnerFinished: Distribution
        var runnerFinishedToClient: Distribution
    }

    struct ThroughputResult {
        var jobsPerSecond: Double
        var referenceJobsPerSecond: Double
        var elapsedMillis: Double
        var referenceElapsedMillis: Double
        /// CPU (all threads and child processes) per job, µs.
        var cpuMicrosPerJob: Double
        var referenceCPUMicrosPerJob: Double
        /// The coordinator loop thread's share of `cpuMicrosPerJob`.
        var coordinatorCPUMicrosPerJob: Double
    }

    func run() throws(BenchError) -> BenchReport {
        for sub in ["marks", "reference", "src-latency", "src-throughput"] { try makeDirectory(directory + "/" + sub) }
        let sink = TimestampLogSink()
        let fleet = try BenchFleet.start(directory: directory, agentCount: options.agents, sink: sink)
        defer { fleet.shutdown() }
        let latency = try measureLatency(fleet)
        let throughput = try measureThroughput(fleet)
        return BenchReport(options: options, latency: latency, throughput: throughput)
    }

    // MARK: Dispatch latency

    /// Single-job runs, one at a time, each interleaved with a reference spawn.
    ///
    /// Latency = the step's `$EPOCHREALTIME` (bash running the script) minus the
    /// coordinator's "run submitted" mark (planned, placed, about to send `AssignJob`).
    /// The bundle is already cached after the first (warm-up) run, as for any job after the
    /// first of a run on an agent.
    private func measureLatency(_ fleet: BenchFleet) throws(BenchError) -> LatencyResult {
        let bundle = try makeBundle(name: "latency")
        let pipeline = """
            name: dispatch latency
            on: [push]
            env:
              FLOTILLA_BENCH_DIR: \(JSONWriter.quote(marks))
            jobs:
              dispatch:
                runs-on: \(BenchFleet.label)
                steps:
                  - name: record start
                    run: \(JSONWriter.quote(Self.startScript))
            """
        let submit = SubmitRun(pipelineFileName: "bench-latency.yml", pipelineText: pipeline, bundleSHA256: bundle.sha256,
                               bundleSize: bundle.size, sourceRevision: "bench")
        let script = directory + "/reference/start.sh"
        try writeFile(script, Self.startScript)

        var dispatch: [Double] = [], reference: [Double] = []
        var toAgent: [Double] = [], toRunner: [Double] = [], toProcess: [Double] = [], roundTrip: [Double] = []
        var toRunnerFinished: [Double] = [], toClient: [Double] = []
        for iteration in 0..<(options.warmup + options.samples) {
            let referenceID = "reference-\(iteration)"
            let spawned = try ReferenceSpawner.runScript(script, environment: referenceEnvironment(runID: referenceID))
            let referenceStart = try readStartMark(referenceID)

            let completed = try fleet.run(submit, bundlePath: bundle.path, seconds: 60)
            try requireSuccess(completed, expectedJobs: 1)
            let processStart = try readStartMark(completed.runID)
            let milestones = fleet.sink.marks(forRun: completed.runID)
            guard let ready = milestones[TimestampLogSink.Milestone.runSubmitted],
                  let assigned = milestones[TimestampLogSink.Milestone.jobAssigned],
                  let started = milestones[TimestampLogSink.Milestone.jobStarted],
                  let finished = milestones[TimestampLogSink.Milestone.jobFinished] else {
                throw .runFailed("run \(completed.runID): missing log milestones (have \(milestones.keys.sorted()))")
            }
            guard iteration >= options.warmup else { continue }
            reference.append(millis(referenceStart - spawned))
            dispatch.append(millis(processStart - ready))
            toAgent.append(millis(assigned - ready))
            toRunner.append(millis(started - assigned))
            toProcess.append(millis(processStart - started))
            roundTrip.append(millis(completed.finishedMonotonic - completed.submittedMonotonic))
            toRunnerFinished.append(millis(finished - processStart))
            toClient.append(millis(completed.finishedRealtime - finished))
        }
        return LatencyResult(dispatch: Distribution(dispatch), reference: Distribution(reference),
                             coordinatorToAgent: Distribution(toAgent), agentToRunner: Distribution(toRunner),
                             runnerToProcess: Distribution(toProcess), roundTrip: Distribution(roundTrip),
                             processToRunnerFinished: Distribution(toRunnerFinished), runnerFinishedToClient: Distribution(toClient))
    }

    // MARK: Throughput

    /// One run of `options.jobs` independent `true` jobs, end to end, with a fresh bundle
    /// (uploaded once, fetched by each agent), as `flotilla run` does for a new commit.
    private func measureThroughput(_ fleet: BenchFleet) throws(BenchError) -> ThroughputResult {
        let bundle = try makeBundle(name: "throughput")
        var pipeline = "name: dispatch throughput\non: [push]\njobs:\n"
        for index in 1...options.jobs {
            pipeline += "  t\(index):\n    runs-on: \(BenchFleet.label)\n    steps:\n      - run: \"true\"\n"
        }
        let submit = SubmitRun(pipelineFileName: "bench-throughput.yml", pipelineText: pipeline, bundleSHA256: bundle.sha256,
                               bundleSize: bundle.size, sourceRevision: "bench")
        let cpuBefore = CPUTime.totalMicros()
        let coordinatorBefore = try fleet.coordinatorCPUMicros()
        let completed = try fleet.run(submit, bundlePath: bundle.path, seconds: max(120, Double(options.jobs) / 2))
        let cpu = CPUTime.totalMicros() - cpuBefore
        let coordinatorCPU = try fleet.coordinatorCPUMicros() - coordinatorBefore
        try requireSuccess(completed, expectedJobs: options.jobs)
        let elapsed = Double(completed.finishedMonotonic - completed.submittedMonotonic)

        let script = directory + "/reference/true.sh"
        try writeFile(script, "true\n")
        let referenceCPUBefore = CPUTime.totalMicros()
        let referenceElapsed = Double(try ReferenceSpawner.runConcurrently(
            count: options.jobs, workers: options.agents, scriptPath: script,
            environment: referenceEnvironment(runID: "reference-throughput")))
        let referenceCPU = CPUTime.totalMicros() - referenceCPUBefore
        return ThroughputResult(jobsPerSecond: Double(options.jobs) / (elapsed / 1_000_000),
                                referenceJobsPerSecond: Double(options.jobs) / (referenceElapsed / 1_000_000),
                                elapsedMillis: elapsed / 1_000, referenceElapsedMillis: referenceElapsed / 1_000,
                                cpuMicrosPerJob: Double(cpu) / Double(options.jobs),
                                referenceCPUMicrosPerJob: Double(referenceCPU) / Double(options.jobs),
                                coordinatorCPUMicrosPerJob: Double(coordinatorCPU) / Double(options.jobs))
    }

    // MARK: Helpers

    /// The variables an agent's step sees (see `JobRunner.processSpec`), so the reference
    /// bash starts with an environment of the same shape and size.
    private func referenceEnvironment(runID: String) -> [String: String] {
        let workspace = directory + "/reference"
        return [
            "FLOTILLA_BENCH_DIR": marks, "CI": "true", "FLOTILLA_RUN_ID": runID, "FLOTILLA_JOB_ID": "dispatch",
            "FLOTILLA_JOB_ATTEMPT": "1", "FLOTILLA_STEP_INDEX": "0", "FLOTILLA_WORKSPACE": workspace,
            "GITHUB_WORKSPACE": workspace, "FLOTILLA_TEMP": workspace, "RUNNER_TEMP": workspace,
            "FLOTILLA_AGENT_NAME": "reference", "RUNNER_NAME": "reference", "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
            "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": getenv("HOME").map { String(cString: $0) } ?? "/",
        ]
    }

    private struct Bundle { var path: String; var sha256: String; var size: UInt64 }

    /// A one-file source tree packed with `SourceBundleBuilder`; `name` makes its hash unique.
    private func makeBundle(name: String) throws(BenchError) -> Bundle {
        let source = directory + "/src-" + name
        try writeFile(source + "/README", "flotilla-bench \(name) sources\n")
        let path = directory + "/\(name).bundle"
        do {
            let info = try SourceBundleBuilder.build(sourceDirectory: source, outputPath: path)
            return Bundle(path: path, sha256: info.sha256, size: info.size)
        } catch {
            throw .setup("cannot bundle \(source): \(error)")
        }
    }

    private func requireSuccess(_ completed: BenchClient.Completed, expectedJobs: Int) throws(BenchError) {
        let result = completed.result
        let failed = result.jobs.filter { $0.state != .succeeded }
        guard result.outcome == .succeeded, failed.isEmpty, result.jobs.count == expectedJobs else {
            let detail = failed.prefix(3).map { "\($0.jobID): \($0.state) on \($0.agentName)" }.joined(separator: "; ")
            throw .runFailed("run \(result.runID) ended \(result.outcome) with \(result.jobs.count)/\(expectedJobs) jobs; \(detail)")
        }
    }

    /// The `$EPOCHREALTIME` a step or reference script wrote for `id`.
    private func readStartMark(_ id: String) throws(BenchError) -> Int64 {
        let path = "\(marks)/\(id).start"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .runFailed("the step did not write \(path)")
        }
        guard let micros = BenchClock.parseEpochRealtime(text) else {
            throw .runFailed("\(path) holds '\(text)', expected bash's EPOCHREALTIME (SECONDS.MICROS)")
        }
        return micros
    }

    private func millis(_ micros: Int64) -> Double { Double(micros) / 1_000 }

    private func makeDirectory(_ path: String) throws(BenchError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .setup("cannot create \(path): \(error)")
        }
    }

    private func writeFile(_ path: String, _ text: String) throws(BenchError) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .setup("cannot write \(path): \(error)")
        }
    }
}
