import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: run outcomes and summaries")
struct RunOutcomeTests {
    @Test func succeededRunSummarisesEveryJob() {
        var core = Fixture.core(agents: [Fixture.hello("a1"), Fixture.hello("a2")])
        let (runID, _) = core.submit([Fixture.job("build"), Fixture.job("lint"), Fixture.job("skipme", condition: "failure()"),
                                      Fixture.job("test", needs: ["build"])], now: 1_000)
        #expect(core.job(runID, "build")?.agentName == "a1")
        #expect(core.job(runID, "lint")?.agentName == "a2")
        _ = core.received(Fixture.started(runID, "build"), from: 1, now: 1_100)
        _ = core.received(Fixture.finished(runID, "build", .success), from: 1, now: 3_100)
        _ = core.received(Fixture.started(runID, "test"), from: 1, now: 3_200)
        _ = core.received(Fixture.finished(runID, "lint", .success), from: 2, now: 3_500)
        let last = core.received(Fixture.finished(runID, "test", .success), from: 1, now: 4_200)
        #expect(last == [
            Fixture.event(runID, "test", .succeeded, agent: "a1"),
            .send(Fixture.client, .runFinished(RunFinished(runID: runID, outcome: .succeeded, jobs: [
                JobSummary(jobID: "build", name: "BUILD", agentName: "a1", state: .succeeded, durationMillis: 2_000,
                           exitCode: 0, attempts: 1),
                // Never started: measured from the assignment.
                JobSummary(jobID: "lint", name: "LINT", agentName: "a2", state: .succeeded, durationMillis: 2_500,
                           exitCode: 0, attempts: 1),
                JobSummary(jobID: "skipme", name: "SKIPME", agentName: "", state: .skipped, durationMillis: 0,
                           exitCode: nil, attempts: 0),
                JobSummary(jobID: "test", name: "TEST", agentName: "a1", state: .succeeded, durationMillis: 1_000,
                           exitCode: 0, attempts: 1),
            ]))),
        ])
        #expect(core.runs[runID]?.phase == .finished(.succeeded))
        #expect(core.runOrder.isEmpty)
        #expect(core.agents.values.allSatisfy { $0.running.isEmpty })
    }

    @Test func failedJobFailsTheRunWithItsStepInTheDetail() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let steps = [PlannedStep(name: "Checkout", run: "true"), PlannedStep(name: "Compile", run: "make")]
        let (runID, _) = core.submit([Fixture.job("build", steps: steps)])
        _ = core.received(Fixture.started(runID, "build"), from: 1, now: 10)
        let stepFailed = StepFinished(job: Fixture.ref(runID, "build"), stepIndex: 1, outcome: .failure, exitCode: 2,
                                      durationMillis: 5)
        #expect(core.received(.stepFinished(stepFailed), from: 1, now: 20) == [.send(Fixture.client, .stepFinished(stepFailed))])
        let actions = core.received(Fixture.finished(runID, "build", .failure, exitCode: 2), from: 1, now: 30)
        #expect(actions == [
            Fixture.event(runID, "build", .failed, agent: "a1", detail: "step 'Compile' exited with 2"),
            .send(Fixture.client, .runFinished(RunFinished(runID: runID, outcome: .failed, jobs: [
                JobSummary(jobID: "build", name: "BUILD", agentName: "a1", state: .failed, durationMillis: 20,
                           exitCode: 2, attempts: 1),
            ]))),
        ])
    }

    @Test func timedOutStepNamesTheStep() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.job("slow", steps: [PlannedStep(name: "Soak", run: "sleep 1000")])])
        _ = core.received(.stepFinished(StepFinished(job: Fixture.ref(runID, "slow"), stepIndex: 0, outcome: .timedOut,
                                                     exitCode: 143, durationMillis: 60_000)), from: 1, now: 5)
        let actions = core.received(Fixture.finished(runID, "slow", .timedOut, exitCode: 143), from: 1, now: 6)
        #expect(actions.jobEvents == [JobEvent(runID: runID, jobID: "slow", state: .timedOut, agentName: "a1",
                                               detail: "step 'Soak' timed out")])
        #expect(actions.runFinished?.outcome == .failed)
    }

    @Test func cancelledRunEndsCancelled() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.job("a"), Fixture.job("b")])
        let actions = core.cancelRun(runID, reason: "cancelled by user", now: 7)
        #expect(actions == [
            .send(1, .cancelJob(CancelJob(job: Fixture.ref(runID, "a"), reason: "cancelled by user"))),
            Fixture.event(runID, "a", .cancelled, agent: "a1", detail: "cancelled by user"),
            Fixture.event(runID, "b", .cancelled, detail: "cancelled by user"),
            .send(Fixture.client, .runFinished(RunFinished(runID: runID, outcome: .cancelled, jobs: [
                JobSummary(jobID: "a", name: "A", agentName: "a1", state: .cancelled, durationMillis: 7, exitCode: nil, attempts: 1),
                JobSummary(jobID: "b", name: "B", agentName: "", state: .cancelled, durationMillis: 0, exitCode: nil, attempts: 0),
            ]))),
        ])
        #expect(core.cancelRun(runID, reason: "again", now: 8) == [])
        #expect(core.cancelRun("no-such-run", reason: "x", now: 8) == [])
        // The slot is held until the agent confirms the kill.
        #expect(core.agents[1]?.running == [Fixture.ref(runID, "a")])
        _ = core.received(Fixture.finished(runID, "a", .cancelled), from: 1, now: 9)
        #expect(core.agents[1]?.running.isEmpty == true)
    }

    @Test func cancelledRunsSlotsGoToOtherRuns() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (first, _) = core.submit([Fixture.job("a")])
        let (second, queued) = core.submit([Fixture.job("b")])
        #expect(queued.placed.isEmpty)
        let actions = core.cancelRun(first, reason: "superseded", now: 3)
        #expect(actions.cancels.map(\.1.job) == [Fixture.ref(first, "a")])
        #expect(actions.runFinished?.outcome == .cancelled)
        #expect(actions.placed.isEmpty, "the agent has not confirmed the kill yet")
        let confirmed = core.received(Fixture.finished(first, "a", .cancelled), from: 1, now: 4)
        #expect(confirmed == Fixture.placed(1, second, "b", agent: "a1"))
    }

    @Test func cancellingARunWaitingForItsBundleEndsIt() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(), plan: Plan(jobs: [Fixture.job("a")]),
                                           bundleAvailable: false, now: 0)
        #expect(core.cancelRun(runID, reason: "stop", now: 1) == [
            Fixture.event(runID, "a", .cancelled, detail: "stop"),
            .send(Fixture.client, .runFinished(RunFinished(runID: runID, outcome: .cancelled, jobs: [
                JobSummary(jobID: "a", name: "A", agentName: "", state: .cancelled, durationMillis: 0, exitCode: nil, attempts: 0),
            ]))),
        ])
        #expect(core.runOrder.isEmpty)
        #expect(core.bundleStored(sha256: Fixture.sha, now: 2) == [])
    }

    @Test func runWithoutJobsSucceedsAtOnce() {
        var core = Fixture.core()
        let (runID, actions) = core.submit([])
        #expect(actions == [
            .send(Fixture.client, .runAccepted(RunAccepted(runID: runID, jobs: []))),
            .send(Fixture.client, .runFinished(RunFinished(runID: runID, outcome: .succeeded, jobs: []))),
        ])
    }

    @Test func bundleFailureEndsWaitingRunsInError() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (waiting, _) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(), plan: Plan(jobs: [Fixture.job("a")]),
                                             bundleAvailable: false, now: 0)
        let (otherBundle, _) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(sha: "ffff"),
                                                 plan: Plan(jobs: [Fixture.job("b")]), bundleAvailable: false, now: 0)
        let actions = core.bundleFailed(sha256: Fixture.sha, reason: "checksum mismatch", now: 3)
        #expect(actions == [
            .send(Fixture.client, .runFinished(RunFinished(runID: waiting, outcome: .error, jobs: [
                JobSummary(jobID: "a", name: "A", agentName: "", state: .cancelled, durationMillis: 0, exitCode: nil, attempts: 0),
            ]))),
        ])
        #expect(core.job(waiting, "a")?.detail == "source bundle upload failed: checksum mismatch")
        #expect(core.runs[waiting]?.phase == .finished(.error))
        #expect(core.runs[otherBundle]?.phase == .waitingForBundle)
        #expect(core.runOrder == [otherBundle])
        // A late success for the failed bundle does not revive the run.
        #expect(core.bundleStored(sha256: Fixture.sha, now: 4) == [])
    }

    @Test func bundleFailureDoesNotTouchActiveRuns() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.job("a")])
        #expect(core.bundleFailed(sha256: Fixture.sha, reason: "x", now: 1) == [])
        #expect(core.state(runID, "a") == .assigned)
    }
}
