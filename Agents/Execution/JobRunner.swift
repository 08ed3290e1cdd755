import Dispatch
import FlotillaCore
import Synchronization
import WireProtocol

/// Runs one `JobAssignment` on this machine: workspace, bundle, steps, timeouts, cancel.
///
/// The runner wires the pieces and knows no network: a fresh `JobWorkspace` with the
/// cached bundle extracted into `src/`, one `ProcessRunner` per step (its own process
/// group), a `LogStreamer` for output, and an `events` closure the agent runtime forwards
/// to the coordinator. Steps run in order with environment = job env, then step env, then
/// the `FLOTILLA_*` variables, `GITHUB_WORKSPACE`, `RUNNER_TEMP` and `CI=true`.
///
/// - A step whose `if:` is false (per `conditionEvaluator`) is skipped.
/// - A failing step fails the job unless it is `continueOnError`; later steps then see
///   `jobFailed` (so only `always()`/`failure()` steps run).
/// - A step timeout kills that step's process group; the step is `.timedOut` and counts as
///   a failure. A job timeout kills the current step's group, ends the job `.timedOut`
///   and skips every remaining step.
/// - `cancel(reason:)` kills the current step's group and ends the job `.cancelled`;
///   remaining steps are evaluated with `cancelled: true`, so `always()` and
///   `cancelled()` steps still run (a second `cancel` kills those too).
public final class JobRunner: Sendable {
    public let assignment: JobAssignment
    public let configuration: JobRunnerConfiguration
    private let bundleCache: BundleCache?
    let logger: Logger
    private let evaluateCondition: StepConditionEvaluator
    private let renderScript: StepScriptRenderer?
    let artifactUploader: ArtifactUploadHandler?
    let events: @Sendable (JobRunnerEvent) -> Void
    let streamer: LogStreamer
    let state = Mutex(State())

    struct State {
        var started = false
        var cancelRequests = 0
        var cancelReason: String?
        var jobTimedOut = false
        var current: RunningStep?
    }

    struct RunningStep {
        var index: Int
        var process: ProcessRunner
        var killCause: KillCause?
    }

    enum KillCause { case stepTimeout, jobTimeout, cancel }

    /// Prepares a runner; nothing happens until `run()`.
    ///
    /// - Parameters:
    ///   - assignment: The job attempt to run.
    ///   - bundleCache: Where the bundle named by `assignment.bundleSHA256` already is
    ///     (verified on arrival). May be nil only for jobs without sources (empty digest);
    ///     a digest that is not in the cache fails the job before its first step.
    ///   - configuration: Work root, workspace retention, kill grace, log limits.
    ///   - logger: For the agent's own log (not the job log).
    ///   - conditionEvaluator: Decides step `if:` conditions; nil uses
    ///     `JobRunner.defaultConditionEvaluator`.
    ///   - scriptRenderer: Resolves runtime expressions in `run:` text; nil runs it as given.
    ///   - artifactUploader: Uploads the files `assignment.artifacts` collects (see
    ///     `collectAndUploadArtifacts`); awaited before `jobFinished`. Nil collects nothing.
    ///   - events: Receives `JobRunnerEvent`s one at a time, in causal order.
    public init(assignment: JobAssignment, bundleCache: BundleCache?, configuration: JobRunnerConfiguration,
                logger: Logger, conditionEvaluator: StepConditionEvaluator? = nil,
                scriptRenderer: StepScriptRenderer? = nil, artifactUploader: ArtifactUploadHandler? = nil,
                events: @escaping @Sendable (JobRunnerEvent) -> Void) {
        self.renderScript = scriptRenderer
        self.artifactUploader = artifactUploader
        self.assignment = assignment
        self.bundleCache = bundleCache
        self.configuration = configuration
        self.logger = logger.with(["run.id": assignment.job.runID, "job.id": assignment.job.jobID,
                                   "job.attempt": String(assignment.job.attempt)])
        self.evaluateCondition = conditionEvaluator ?? JobRunner.defaultConditionEvaluator
        self.events = events
        self.streamer = LogStreamer(job: assignment.job, configuration: configuration.log) { chunk in events(.log(chunk)) }
    }

    /// Runs the job to the end and returns what was also sent as the final `jobFinished` event.
    /// Cancelling the calling task acts like `cancel(reason:)`. Call at most once.
    public func run() async -> JobFinished {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        precondition(first, "JobRunner.run() called twice for \(assignment.job)")
        return await withTaskCancellationHandler {
            await runJob()
        } onCancel: {
            cancel(reason: "the agent stopped the job")
        }
    }

    /// Stops the job: kills the current step's process group (SIGTERM, then SIGKILL after
    /// the grace period). The job ends `.cancelled`. Safe from any thread, at any time.
    public func cancel(reason: String) {
        state.withLock { state in
            state.cancelRequests += 1
            if state.cancelReason == nil { state.cancelReason = reason }
        }
        kill(.cancel) { pid in "job cancelled (\(reason)): killing process group \(pid)" }
    }

    /// The job log's last bytes, for a failure summary.
    public func logTail() -> [UInt8] { streamer.tail() }

    // MARK: The job

    private func runJob() async -> JobFinished {
        let clock = ContinuousClock()
        let start = clock.now
        let job = assignment.job
        events(.jobStarted(JobStarted(job: job)))
        logger.info("job started", ["job.name": assignment.name, "job.steps": String(assignment.steps.count)])
        let jobTimer = assignment.timeoutMillis > 0 ? schedule(afterMillis: assignment.timeoutMillis) { [self] in
            jobTimedOut()
        } : nil

        var workspace: JobWorkspace?
        switch await offload({ [self] in prepareWorkspace() }) {
        case .success(let prepared): workspace = prepared
        case .failure(let failure):
            streamer.writeSystemLine("cannot prepare the workspace: \(failure.message)", stepIndex: 0)
            logger.warning("workspace preparation failed", ["error": failure.message])
        }

        var progress = JobProgress(setupFailed: workspace == nil)
        if let benchmark = assignment.benchmark, let workspace {
            await runBenchmark(benchmark, in: workspace, progress: &progress)
        } else {
            await runSteps(in: workspace, progress: &progress, iteration: nil)
        }
        jobTimer?.cancel()
        let (outcome, exitCode) = progress.verdict

        streamer.flush()
        if let workspace { await collectAndUploadArtifacts(from: workspace) }
        if let workspace, !configuration.keepWorkspaces {
            if case .failure(let error) = await offload({ Result { () throws(WorkspaceError) in try workspace.remove() } }) {
                logger.warning("workspace removal failed", ["error": error.description])
            }
        }
        let finished = JobFinished(job: job, outcome: outcome, exitCode: exitCode, durationMillis: (clock.now - start).millis)
        let dropped = streamer.droppedBytes
        logger.info("job finished", ["job.outcome": "\(outcome)", "job.exit_code": String(exitCode),
                                     "job.duration_ms": String(finished.durationMillis), "log.dropped_bytes": String(dropped)])
        events(.jobFinished(finished))
        return finished
    }

    /// Runs every step once, in order, recording each into `progress`; `iteration` is set for
    /// the iterations of a benchmark job.
    func runSteps(in workspace: JobWorkspace?, progress: inout JobProgress, iteration: BenchmarkIteration?) async {
        for (index, step) in assignment.steps.enumerated() {
            let (timedOut, cancelled, cancelRequests) = state.withLock { ($0.jobTimedOut, $0.cancelReason != nil, $0.cancelRequests) }
            progress.sawTimeout = progress.sawTimeout || timedOut
            progress.sawCancel = progress.sawCancel || cancelled
            var skipReason: String?
            if workspace == nil {
                skipReason = "the workspace could not be prepared"
            } else if timedOut {
                skipReason = "the job timed out"
            } else if !evaluateCondition(step.condition, progress.conditionState(cancelled: cancelled)) {
                skipReason = "condition `\(step.condition.isEmpty ? "success()" : step.condition)` is false"
            }
            guard let workspace, skipReason == nil else {
                streamer.writeSystemLine("step \(index + 1)/\(assignment.steps.count) skipped: \(title(of: step)): \(skipReason ?? "")",
                                         stepIndex: UInt32(index))
                finishStep(index, outcome: .skipped, exitCode: -1, durationMillis: 0)
                progress.record(step, StepResult(outcome: .skipped, exitCode: -1, killCause: nil))
                continue
            }
            var resolved = step
            if let renderScript {
                do {
                    resolved.run = try renderScript(step.run, progress.conditionState(cancelled: cancelled))
                } catch {
                    streamer.writeSystemLine("step \(index + 1)/\(assignment.steps.count) failed: \(title(of: step)): "
                                             + "cannot evaluate an expression in `run`: \(error)", stepIndex: UInt32(index))
                    finishStep(index, outcome: .failure, exitCode: -1, durationMillis: 0)
                    progress.record(step, StepResult(outcome: .failure, exitCode: -1, killCause: nil))
                    continue
                }
            }
            progress.record(step, await runStep(index, resolved, in: workspace, cancelRequestsAtStart: cancelRequests,
                                                iteration: iteration))
            if let failure = iteration?.collector.failure, !progress.metricsFailed {
                failBenchmark("malformed metric: \(failure)", stepIndex: index, progress: &progress)
            }
        }
    }

    private struct SetupFailure: Error { var message: String }

    /// What the steps so far add up to.
    struct JobProgress {
        var jobFailed: Bool
        /// Exit code of the first step that failed the job.
        var decidingExitCode: Int32?
        /// Exit code of the step a job timeout or cancel killed.
        var killedExitCode: Int32 = -1
        var stepOutcomes: [String: ExecutionOutcome] = [:]
        /// A job timeout or cancel changed what ran; one that arrives after the last step does not.
        var sawTimeout = false
        var sawCancel = false
        /// A benchmark's metrics could not be read; the job failed without a failing step.
        var metricsFailed = false

        init(setupFailed: Bool) {
            jobFailed = setupFailed
            decidingExitCode = setupFailed ? -1 : nil
        }

        func conditionState(cancelled: Bool) -> StepConditionState {
            StepConditionState(jobFailed: jobFailed, cancelled: cancelled, stepOutcomes: stepOutcomes)
        }

        mutating func record(_ step: StepSpec, _ result: StepResult) {
            if !step.id.isEmpty { stepOutcomes[step.id] = result.outcome }
            switch result.killCause {
            case .jobTimeout?:
                sawTimeout = true
                killedExitCode = result.exitCode
            case .cancel?:
                sawCancel = true
                killedExitCode = result.exitCode
            case .stepTimeout?, nil:
                if (result.outcome == .failure || result.outcome == .timedOut) && !step.continueOnError {
                    jobFailed = true
                    if decidingExitCode == nil { decidingExitCode = result.exitCode }
                }
            }
        }

        /// Fails the job although no step failed (bad benchmark metrics); later steps see `jobFailed`.
        mutating func recordMetricsFailure() {
            metricsFailed = true
            jobFailed = true
            if decidingExitCode == nil { decidingExitCode = -1 }
        }

        /// The job's outcome and exit code: a timeout beats a cancel beats a failure.
        var verdict: (ExecutionOutcome, Int32) {
            if sawTimeout { return (.timedOut, killedExitCode) }
            if sawCancel { return (.cancelled, killedExitCode) }
            if jobFailed { return (.failure, decidingExitCode ?? -1) }
            return (.success, 0)
        }
    }

    private func prepareWorkspace() -> Result<JobWorkspace, SetupFailure> {
        do {
            let workspace = try JobWorkspace.create(workRoot: configuration.workRoot, job: assignment.job)
            if !assignment.bundleSHA256.isEmpty {
                guard let bundleCache else { return .failure(SetupFailure(message: "no bundle cache for bundle \(assignment.bundleSHA256)")) }
                // The cache verified the digest when the bundle arrived; extraction still
                // validates every entry.
                try SourceBundleExtractor.extract(bundlePath: bundleCache.path(for: assignment.bundleSHA256),
                                                  into: workspace.sourceDirectory, expectedSHA256: nil,
                                                  limits: configuration.bundleLimits)
            }
            try writeShardFile(in: workspace)
            return .success(workspace)
        } catch {
            return .failure(SetupFailure(message: "\(error)"))
        }
    }

    // MARK: Kills and timers

    private func jobTimedOut() {
        state.withLock { $0.jobTimedOut = true }
        let timeout = formatSeconds(assignment.timeoutMillis)
        kill(.jobTimeout) { pid in "job killed after timeout of \(timeout): process group \(pid)" }
    }

    /// Marks the current step (only step `index`, when given) as killed for `cause` and
    /// terminates its process group, after writing `message(pgid)` to the job log.
    func kill(_ cause: KillCause, onlyStep index: Int? = nil, message: (Int32) -> String) {
        // Under the lock: the step cannot be declared finished (and its log flushed) between
        // the check and the notice, so the notice never lands after its `stepFinished`.
        state.withLock { state in
            guard var current = state.current, index == nil || current.index == index else { return }
            if current.killCause == nil { current.killCause = cause }
            state.current = current
            streamer.writeSystemLine(message(current.process.pid), stepIndex: UInt32(current.index))
            current.process.terminateGroup()
        }
    }

    func schedule(afterMillis millis: UInt64, _ body: @escaping @Sendable () -> Void) -> DispatchWorkItem {
        let item = DispatchWorkItem(block: body)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(min(millis, UInt64(Int32.max)))), execute: item)
        return item
    }

    /// Runs blocking file work off the cooperative thread pool.
    func offload<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }
}

extension Duration {
    /// Whole milliseconds, never negative.
    var millis: UInt64 {
        let (seconds, attoseconds) = components
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? 0 : .max }
        return UInt64(max(0, milliseconds + attoseconds / 1_000_000_000_000_000))
    }

    /// The duration for Dispatch deadlines, to the millisecond.
    var dispatchInterval: DispatchTimeInterval {
        .milliseconds(Int(min(millis, UInt64(Int32.max))))
    }
}

/// `1.5 s`, `0.3 s`, `2 s`: timeouts as people read them.
func formatSeconds(_ millis: UInt64) -> String {
    let whole = millis / 1000
    var fraction = String(millis % 1000)
    fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
    while fraction.hasSuffix("0") { fraction.removeLast() }
    return fraction.isEmpty ? "\(whole) s" : "\(whole).\(fraction) s"
}
