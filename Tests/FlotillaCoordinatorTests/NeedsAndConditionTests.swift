import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: needs, job conditions and continue-on-error")
struct NeedsAndConditionTests {
    @Test func dependentStartsOnlyAfterItsNeedSucceeded() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let (runID, submitted) = core.submit([Fixture.job("build"), Fixture.job("test", needs: ["build"])])
        #expect(submitted.placed == ["1:build"], "a free slot is not enough: test needs build")

        #expect(core.received(Fixture.started(runID, "build"), from: 1, now: 5)
                == [Fixture.event(runID, "build", .running, agent: "a1")])
        #expect(core.state(runID, "test") == .queued)
        // Progress of the need does not release the dependent.
        _ = core.received(.stepFinished(StepFinished(job: Fixture.ref(runID, "build"), stepIndex: 0, outcome: .success,
                                                     exitCode: 0, durationMillis: 3)), from: 1, now: 8)
        #expect(core.state(runID, "test") == .queued)

        let done = core.received(Fixture.finished(runID, "build", .success), from: 1, now: 10)
        #expect(done == [Fixture.event(runID, "build", .succeeded, agent: "a1")] + Fixture.placed(1, runID, "test", agent: "a1"))
    }

    @Test func failedNeedSkipsDependentsTransitively() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let (runID, _) = core.submit([Fixture.job("build"), Fixture.job("test", needs: ["build"]),
                                      Fixture.job("deploy", needs: ["test"])])
        let failed = core.received(Fixture.finished(runID, "build", .failure, exitCode: 2), from: 1, now: 10)
        let skippedDetail = "skipped: a job it needs did not succeed"
        #expect(Array(failed.prefix(3)) == [
            Fixture.event(runID, "build", .failed, agent: "a1"),
            Fixture.event(runID, "test", .skipped, detail: skippedDetail),
            Fixture.event(runID, "deploy", .skipped, detail: skippedDetail),
        ])
        #expect(failed.count == 4)
        #expect(failed.assignments.isEmpty)
        #expect(failed.runFinished?.outcome == .failed)
        #expect(core.job(runID, "test")?.detail == skippedDetail)
        #expect(core.job(runID, "deploy")?.attempts == 0)
    }

    @Test func alwaysAndFailureDependentsRunAfterAFailedNeed() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 3)])
        let (runID, _) = core.submit([
            Fixture.job("build"),
            Fixture.job("onSuccess", needs: ["build"]),
            Fixture.job("onAlways", needs: ["build"], condition: "always()"),
            Fixture.job("onFailure", needs: ["build"], condition: "failure()"),
            Fixture.job("onCancel", needs: ["build"], condition: "cancelled()"),
        ])
        let failed = core.received(Fixture.finished(runID, "build", .failure, exitCode: 1), from: 1, now: 10)
        #expect(failed == [
            Fixture.event(runID, "build", .failed, agent: "a1"),
            Fixture.event(runID, "onSuccess", .skipped, detail: "skipped: a job it needs did not succeed"),
            Fixture.event(runID, "onCancel", .skipped, detail: "skipped: a job it needs did not succeed"),
        ] + Fixture.placed(1, runID, "onAlways", agent: "a1") + Fixture.placed(1, runID, "onFailure", agent: "a1"))

        _ = core.received(Fixture.finished(runID, "onAlways", .success), from: 1, now: 11)
        let last = core.received(Fixture.finished(runID, "onFailure", .success), from: 1, now: 12)
        // The failed build still fails the run.
        #expect(last.runFinished?.outcome == .failed)
    }

    @Test func alwaysDependentRunsAfterASucceededNeedButFailureOneIsSkipped() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 3)])
        let (runID, _) = core.submit([
            Fixture.job("build"),
            Fixture.job("onAlways", needs: ["build"], condition: "always()"),
            Fixture.job("onFailure", needs: ["build"], condition: "failure()"),
        ])
        let done = core.received(Fixture.finished(runID, "build", .success), from: 1, now: 10)
        #expect(done == [
            Fixture.event(runID, "build", .succeeded, agent: "a1"),
            Fixture.event(runID, "onFailure", .skipped, detail: "skipped: condition 'failure()' is false"),
        ] + Fixture.placed(1, runID, "onAlways", agent: "a1"))
    }

    @Test func injectedEvaluatorDecidesJobConditions() {
        // The evaluator the server injects: GitHub's expression engine with the needs' status.
        let evaluator: CoordinatorCore.ConditionEvaluator = { condition, needs in
            let status: ExpressionContext.JobStatus = needs == .success ? .success : (needs == .failure ? .failure : .cancelled)
            var context = ExpressionContext(jobStatus: status)
            context["github"] = .object([(key: "ref", value: .string("refs/heads/main"))])
            return (try? Expression.evaluateCondition(condition, context: context)) ?? false
        }
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 4)], evaluator: evaluator)
        let (runID, submitted) = core.submit([
            Fixture.job("onMain", condition: "github.ref == 'refs/heads/main'"),
            Fixture.job("onTag", condition: "startsWith(github.ref, 'refs/tags/')"),
            Fixture.job("build"),
            Fixture.job("notify", needs: ["build"], condition: "failure() || github.ref == 'refs/heads/dev'"),
        ])
        #expect(submitted.jobEvents.filter { $0.state == .skipped } == [
            JobEvent(runID: runID, jobID: "onTag", state: .skipped, agentName: "",
                     detail: "skipped: condition 'startsWith(github.ref, 'refs/tags/')' is false"),
        ])
        // build heads a chain (notify needs it), so it goes first.
        #expect(submitted.placed == ["1:build", "1:onMain"])

        let failed = core.received(Fixture.finished(runID, "build", .failure, exitCode: 1), from: 1, now: 5)
        #expect(failed.placed == ["1:notify"], "failure() is true once build failed")
    }

    @Test func evaluatorReceivesHowTheNeedsEnded() {
        // Runs only when told the needs were cancelled: proves the outcome reaches the evaluator.
        let evaluator: CoordinatorCore.ConditionEvaluator = { condition, needs in
            condition == "custom" ? needs == .cancelled : needs == .success
        }
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)], evaluator: evaluator)
        let (runID, _) = core.submit([Fixture.job("first"), Fixture.job("second"),
                                      Fixture.job("cleanup", needs: ["first", "second"], condition: "custom")])
        let failed = core.received(Fixture.finished(runID, "first", .failure, exitCode: 1), from: 1, now: 1)
        #expect(failed.placed.isEmpty, "second still running: the condition is not decided yet")
        #expect(core.state(runID, "cleanup") == .queued)
        let cancelled = core.received(Fixture.finished(runID, "second", .cancelled), from: 1, now: 2)
        #expect(cancelled.placed == ["1:cleanup"], "a cancelled need outranks a failed one")
    }

    @Test func continueOnErrorFailureLetsDependentsRunAndTheRunSucceed() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.job("lint", continueOnError: true),
                                      Fixture.job("deploy", needs: ["lint"])])
        let failed = core.received(Fixture.finished(runID, "lint", .failure, exitCode: 3), from: 1, now: 10)
        #expect(failed == [Fixture.event(runID, "lint", .failed, agent: "a1")] + Fixture.placed(1, runID, "deploy", agent: "a1"))
        let done = core.received(Fixture.finished(runID, "deploy", .success), from: 1, now: 20)
        let summary = done.runFinished
        #expect(summary?.outcome == .succeeded)
        #expect(summary?.jobs.map(\.state) == [.failed, .succeeded])
        #expect(summary?.jobs.first?.exitCode == 3)
    }

    @Test func skippedOrCancelledNeedDoesNotSatisfyEvenWithContinueOnError() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, submitted) = core.submit([
            Fixture.job("never", condition: "failure()", continueOnError: true),
            Fixture.job("after", needs: ["never"]),
        ])
        #expect(submitted.jobEvents.filter { $0.state == .skipped }.map(\.jobID) == ["never", "after"])
        #expect(submitted.runFinished?.outcome == .succeeded)
        #expect(core.runs[runID]?.isFinished == true)
    }

    @Test func needsOnAMatrixJobWaitForEveryCombination() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 4)])
        var jobs = Fixture.matrix("test", count: 2)
        jobs.append(Fixture.job("publish", needs: ["test-1", "test-2"]))
        let (runID, submitted) = core.submit(jobs)
        #expect(submitted.placed == ["1:test-1", "1:test-2"])
        #expect(core.received(Fixture.finished(runID, "test-1", .success), from: 1, now: 1).placed.isEmpty)
        #expect(core.received(Fixture.finished(runID, "test-2", .success), from: 1, now: 2).placed == ["1:publish"])
    }
}
