import Foundation
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaAgent

@Suite("Job runner: timeouts, cancellation, process groups")
struct JobRunnerKillTests {
    /// A step whose shell, child and grandchild all ignore SIGTERM and record their pids.
    private func stubbornScript(pidFile: String) -> String {
        """
        trap '' TERM
        (trap '' TERM; bash -c 'trap "" TERM; echo $$ >> \(pidFile); sleep 60' & echo $! >> \(pidFile); wait) &
        sleep 60 & echo $! >> \(pidFile)
        echo ready
        wait
        """
    }

    @Test func stepTimeoutKillsTheWholeGroupAndOnlyAlwaysStepsFollow() async throws {
        let work = try TemporaryDirectory()
        let pidFile = work.path + "/pids"
        let run = await runJob(assignment([
            // Long enough for a loaded machine to start all three processes before the kill.
            StepSpec(name: "hang", run: stubbornScript(pidFile: pidFile), timeoutMillis: 1000),
            StepSpec(name: "cleanup", condition: "always()", run: "echo cleanup"),
            StepSpec(name: "next", run: "echo next"),
        ]), work: work)
        #expect(run.outcomes == [.timedOut, .success, .skipped])
        #expect(run.finished.outcome == .failure, "a step timeout fails the job like any failing step")
        #expect(run.stepResults[0].exitCode == 128 + SIGKILL, "SIGTERM was ignored, SIGKILL followed the grace period")
        #expect(run.finished.exitCode == 128 + SIGKILL)
        #expect(run.log(.stdout) == "ready\ncleanup\n")
        #expect(run.log(.system, step: 0).contains("step 1/3 killed after timeout of 1 s: process group"))
        let spawned = pids(in: pidFile)
        #expect(spawned.count == 3)
        #expect(await eventually { spawned.allSatisfy { !isAlive($0) } }, "no child or grandchild outlives the step")
    }

    @Test func stepTimeoutWithContinueOnErrorKeepsTheJobGreen() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([
            StepSpec(name: "slow", run: "sleep 60", timeoutMillis: 300, continueOnError: true),
            StepSpec(name: "next", run: "echo next"),
        ]), work: work)
        #expect(run.outcomes == [.timedOut, .success])
        #expect(run.finished.outcome == .success)
    }

    @Test func jobTimeoutKillsTheCurrentStepAndSkipsEverythingElse() async throws {
        // The job clock includes workspace setup; on a loaded machine the timeout can expire
        // before the step starts (a correct outcome, but not the one under test), so retry
        // with a longer timeout, a bounded number of times.
        for timeoutMillis: UInt64 in [500, 2_000, 8_000] {
            let work = try TemporaryDirectory()
            let pidFile = work.path + "/pids"
            let run = await runJob(assignment([
                StepSpec(name: "hang", run: stubbornScript(pidFile: pidFile), timeoutMillis: 60_000),
                StepSpec(name: "cleanup", condition: "always()", run: "echo cleanup"),
            ], timeoutMillis: timeoutMillis), work: work)
            #expect(run.finished.outcome == .timedOut)
            #expect(run.outcomes.last == .skipped)
            let spawned = pids(in: pidFile)
            if run.outcomes.first == .skipped || spawned.count < 3 { continue }
            #expect(run.outcomes == [.timedOut, .skipped])
            #expect(run.finished.exitCode == 128 + SIGKILL)
            #expect(run.log(.stdout) == "ready\n")
            #expect(run.log(.system, step: 0).contains("job killed after timeout of \(formatSeconds(timeoutMillis)): process group"))
            #expect(run.log(.system, step: 1).contains("the job timed out"))
            #expect(await eventually { spawned.allSatisfy { !isAlive($0) } })
            return
        }
        Issue.record("the job timeout never caught the step running")
    }

    @Test func cancelKillsTheRunningStepAndLetsCleanupRun() async throws {
        let work = try TemporaryDirectory()
        let recorder = Recorder<JobRunnerEvent>()
        let job = assignment([
            StepSpec(name: "hang", run: "echo ready; sleep 60"),
            StepSpec(name: "cleanup", condition: "always()", run: "echo cleanup"),
            StepSpec(name: "next", run: "echo next"),
            StepSpec(name: "on-cancel", condition: "cancelled()", run: "echo noticed"),
        ])
        let runner = makeRunner(job, work: work, recorder: recorder)
        let task = Task { await runner.run() }
        let ready = await eventually {
            recorder.all.contains { if case .log(let chunk) = $0 { chunk.data == Array("ready\n".utf8) } else { false } }
        }
        #expect(ready)
        runner.cancel(reason: "superseded by a newer push")
        let finished = await task.value
        let run = JobRun(finished: finished, events: recorder.all)
        checkCausalOrder(run, stepCount: 4)
        #expect(finished.outcome == .cancelled)
        #expect(finished.exitCode == 128 + SIGTERM)
        #expect(run.outcomes == [.cancelled, .success, .skipped, .success])
        #expect(run.log(.stdout) == "ready\ncleanup\nnoticed\n")
        #expect(run.log(.system, step: 0).contains("job cancelled (superseded by a newer push): killing process group"))
    }

    @Test func cancelBeforeRunSkipsNormalSteps() async throws {
        let work = try TemporaryDirectory()
        let recorder = Recorder<JobRunnerEvent>()
        let runner = makeRunner(assignment([
            StepSpec(name: "build", run: "echo build"),
            StepSpec(name: "cleanup", condition: "always()", run: "echo cleanup"),
        ]), work: work, recorder: recorder)
        runner.cancel(reason: "user")
        let finished = await runner.run()
        let run = JobRun(finished: finished, events: recorder.all)
        checkCausalOrder(run, stepCount: 2)
        #expect(finished.outcome == .cancelled && finished.exitCode == -1)
        #expect(run.outcomes == [.skipped, .success])
    }

    @Test func cancellingTheTaskCancelsTheJob() async throws {
        let work = try TemporaryDirectory()
        let recorder = Recorder<JobRunnerEvent>()
        let runner = makeRunner(assignment([StepSpec(name: "hang", run: "echo ready; sleep 60")]), work: work, recorder: recorder)
        let task = Task { await runner.run() }
        #expect(await eventually { recorder.all.contains { if case .log(let chunk) = $0 { chunk.stream == .stdout } else { false } } })
        task.cancel()
        let finished = await task.value
        #expect(finished.outcome == .cancelled)
        #expect(recorder.all.last == .jobFinished(finished))
    }
}
