import FlotillaCore
import WireProtocol
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JobRunner {
    struct StepResult {
        var outcome: ExecutionOutcome
        var exitCode: Int32
        /// Why the agent killed the step, if it did.
        var killCause: KillCause?
    }

    /// Runs one step as a script in its own process group and reports it; in a benchmark
    /// iteration its stdout also goes to the iteration's metric collector.
    func runStep(_ index: Int, _ step: StepSpec, in workspace: JobWorkspace, cancelRequestsAtStart: Int,
                 iteration: BenchmarkIteration? = nil) async -> StepResult {
        let clock = ContinuousClock()
        let start = clock.now
        let stepIndex = UInt32(index)
        let label = "step \(index + 1)/\(assignment.steps.count)"
        events(.stepStarted(StepStarted(job: assignment.job, stepIndex: stepIndex)))
        streamer.writeSystemLine("\(label): \(title(of: step))", stepIndex: stepIndex)

        let process: ProcessRunner
        let collector = iteration?.collector
        collector?.beginStep("\(label) (\(title(of: step)))")
        defer { collector?.endStep() }
        do {
            let spec = try processSpec(for: step, index: index, in: workspace, iteration: iteration)
            process = try ProcessRunner.start(spec, configuration: configuration.process) { [streamer] stream, bytes in
                streamer.write(bytes, stream: stream == .stdout ? .stdout : .stderr, stepIndex: stepIndex)
                if stream == .stdout { collector?.write(bytes) }
            }
        } catch {
            streamer.writeSystemLine("\(label) could not start: \(error)", stepIndex: stepIndex)
            finishStep(index, outcome: .failure, exitCode: -1, durationMillis: (clock.now - start).millis)
            return StepResult(outcome: .failure, exitCode: -1, killCause: nil)
        }

        // A timeout or cancel that landed between the condition check and the spawn still applies.
        let lateKill: KillCause? = state.withLock { state in
            var running = RunningStep(index: index, process: process, killCause: nil)
            if state.jobTimedOut {
                running.killCause = .jobTimeout
            } else if state.cancelRequests > cancelRequestsAtStart {
                running.killCause = .cancel
            }
            state.current = running
            return running.killCause
        }
        if lateKill != nil { process.terminateGroup() }
        let stepTimer = step.timeoutMillis > 0 ? schedule(afterMillis: step.timeoutMillis) { [self] in
            let timeout = formatSeconds(step.timeoutMillis)
            kill(.stepTimeout, onlyStep: index) { pid in "\(label) killed after timeout of \(timeout): process group \(pid)" }
        } : nil

        let termination = await process.wait()
        stepTimer?.cancel()
        let killCause = state.withLock { state in
            defer { state.current = nil }
            return state.current?.killCause
        }
        let outcome: ExecutionOutcome
        switch killCause {
        case .stepTimeout?, .jobTimeout?: outcome = .timedOut
        case .cancel?: outcome = .cancelled
        case nil: outcome = termination == .exited(0) ? .success : .failure
        }
        switch outcome {
        case .failure:
            let note = step.continueOnError ? " (continue-on-error)" : ""
            streamer.writeSystemLine("\(label) failed: \(termination)\(note)", stepIndex: stepIndex)
        case .timedOut, .cancelled:
            streamer.writeSystemLine("\(label) \(outcome == .timedOut ? "timed out" : "cancelled"): \(termination)", stepIndex: stepIndex)
        case .success, .skipped:
            break
        }
        finishStep(index, outcome: outcome, exitCode: termination.exitCode, durationMillis: (clock.now - start).millis)
        return StepResult(outcome: outcome, exitCode: termination.exitCode, killCause: killCause)
    }

    /// Sends the step's remaining log, then its `stepFinished`.
    func finishStep(_ index: Int, outcome: ExecutionOutcome, exitCode: Int32, durationMillis: UInt64) {
        streamer.flush()
        events(.stepFinished(StepFinished(job: assignment.job, stepIndex: UInt32(index), outcome: outcome,
                                          exitCode: exitCode, durationMillis: durationMillis)))
    }

    /// The step's name, or the first line of its script when it has none.
    func title(of step: StepSpec) -> String {
        if !step.name.isEmpty { return step.name }
        return String(step.run.split(separator: "\n", omittingEmptySubsequences: true).first ?? "")
    }

    /// Writes the step's script into the workspace and describes the shell that runs it.
    ///
    /// Like GitHub Actions, bash runs `--noprofile --norc -eo pipefail SCRIPT` and sh runs
    /// `-e SCRIPT`, so a failing command fails the step.
    func processSpec(for step: StepSpec, index: Int, in workspace: JobWorkspace,
                     iteration: BenchmarkIteration? = nil) throws(WorkspaceError) -> ProcessSpec {
        let directory = try workspace.resolveWorkingDirectory(step.workingDirectory)
        let script = try workspace.writeScript(named: "step-\(index + 1).sh", contents: step.run)
        var environment: [String: String] = [:]
        for variable in assignment.env + step.env { environment[variable.name] = variable.value }
        let job = assignment.job
        environment["CI"] = "true"
        environment["FLOTILLA_RUN_ID"] = job.runID
        environment["FLOTILLA_JOB_ID"] = job.jobID
        environment["FLOTILLA_JOB_ATTEMPT"] = String(job.attempt)
        environment["FLOTILLA_STEP_INDEX"] = String(index)
        environment["FLOTILLA_WORKSPACE"] = workspace.sourceDirectory
        environment["GITHUB_WORKSPACE"] = workspace.sourceDirectory
        environment["FLOTILLA_TEMP"] = workspace.temporaryDirectory
        environment["RUNNER_TEMP"] = workspace.temporaryDirectory
        if isShard { environment[ShardExpansion.fileVariable] = shardFilePath(in: workspace) }
        if let iteration {
            environment[BenchmarkIteration.iterationVariable] = String(iteration.number)
            environment[BenchmarkIteration.warmupVariable] = iteration.isWarmup ? "1" : "0"
            environment[BenchmarkIteration.metricsVariable] = iteration.metricsPath
        }
        switch step.shell {
        case .bash:
            return ProcessSpec(executablePath: "/bin/bash", arguments: ["--noprofile", "--norc", "-eo", "pipefail", script],
                               environment: environment, workingDirectory: directory)
        case .sh:
            return ProcessSpec(executablePath: "/bin/sh", arguments: ["-e", script], environment: environment,
                               workingDirectory: directory)
        }
    }
}
