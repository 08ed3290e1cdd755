import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: lost agents and departed clients")
struct ConnectionLossTests {
    @Test func lostAgentEndsItsJobsAndQueuedWorkMovesWithoutDuplicates() {
        // alpha: 1 slot, beta: 2 slots. `m` is a max-parallel-1 matrix, so m-2 waits for m-1.
        var core = Fixture.core(agents: [Fixture.hello("alpha", capacity: 1), Fixture.hello("beta", capacity: 2)])
        var jobs = [Fixture.job("other")]
        jobs += Fixture.matrix("m", count: 2, maxParallel: 1).map(Fixture.withoutRetries)
        let (runID, submitted) = core.submit(jobs, now: 100)
        #expect(submitted.placed == ["2:other", "1:m-1"])
        _ = core.received(Fixture.started(runID, "m-1"), from: 1, now: 150)

        let actions = core.connectionClosed(1, reason: "no heartbeat for 9.0 s", now: 400)
        let lost = Fixture.event(runID, "m-1", .agentLost, agent: "alpha", detail: "agent 'alpha' lost: no heartbeat for 9.0 s")
        let m2 = JobAssignment(job: Fixture.ref(runID, "m-2"), name: "m (2)", bundleSHA256: Fixture.sha, bundleSize: 4096,
                               env: [], steps: [StepSpec(name: "Run", run: "make test")], timeoutMillis: 0)
        #expect(actions == [lost, .send(2, .assignJob(m2)), Fixture.event(runID, "m-2", .assigned, agent: "beta")])
        #expect(core.agents[1] == nil)
        #expect(core.agents[2]?.running == [Fixture.ref(runID, "other"), Fixture.ref(runID, "m-2")])
        #expect(core.job(runID, "other")?.attempts == 1, "work already placed on beta is not placed again")

        // Losing an agent is not a test failure, and it does not fail-fast the matrix.
        #expect(core.state(runID, "m-1") == .agentLost)
        #expect(core.state(runID, "m-2") == .assigned)

        _ = core.received(Fixture.finished(runID, "other", .success), from: 2, now: 500)
        let last = core.received(Fixture.finished(runID, "m-2", .success), from: 2, now: 600)
        let summary = last.runFinished
        #expect(summary?.outcome == .failed)
        #expect(summary?.jobs == [
            JobSummary(jobID: "other", name: "OTHER", agentName: "beta", state: .succeeded, durationMillis: 400,
                       exitCode: 0, attempts: 1),
            JobSummary(jobID: "m-1", name: "m (1)", agentName: "alpha", state: .agentLost, durationMillis: 250,
                       exitCode: nil, attempts: 1),
            JobSummary(jobID: "m-2", name: "m (2)", agentName: "beta", state: .succeeded, durationMillis: 200,
                       exitCode: 0, attempts: 1),
        ])
    }

    @Test func lostAgentsJobIsRetriedOnAnotherAgentAsTheNextAttempt() {
        var core = Fixture.core(agents: [Fixture.hello("alpha"), Fixture.hello("beta", capacity: 0)])
        let (runID, submitted) = core.submit([Fixture.job("build")], now: 100)
        #expect(submitted.placed == ["1:build"])
        _ = core.received(Fixture.started(runID, "build"), from: 1, now: 150)

        let lost = core.connectionClosed(1, reason: "connection reset", now: 200)
        let note = "agent 'alpha' lost: connection reset; retrying as attempt 2 of 3"
        #expect(lost == [Fixture.event(runID, "build", .queued, agent: "alpha", detail: note)])
        #expect(core.state(runID, "build") == .queued)

        // A fresh agent takes attempt 2; a late report of attempt 1 changes nothing.
        let placed = core.agentRegistered(3, hello: Fixture.hello("gamma"), now: 300)
        #expect(placed.assignments.map { $0.1.job } == [JobRef(runID: runID, jobID: "build", attempt: 2)])
        #expect(core.received(Fixture.finished(runID, "build", .failure), from: 3, now: 310) == [],
                "attempt 1's result is stale")
        let done = core.received(.jobFinished(JobFinished(job: JobRef(runID: runID, jobID: "build", attempt: 2),
                                                          outcome: .success, exitCode: 0, durationMillis: 5)),
                                 from: 3, now: 400)
        #expect(done.runFinished?.outcome == .succeeded)
        #expect(done.runFinished?.jobs.first?.attempts == 2)
        #expect(core.job(runID, "build")?.retryReasons == [.agentLost])
    }

    @Test func failuresAreRetriedOnlyWhenThePolicySaysSo() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        var flaky = Fixture.job("flaky")
        flaky.retry = RetryPolicy(maxRetries: 1, on: [.failure])
        let (runID, _) = core.submit([flaky])
        let first = core.received(Fixture.finished(runID, "flaky", .failure, exitCode: 1), from: 1, now: 10)
        #expect(first.jobEvents.first?.state == .queued)
        #expect(first.assignments.map { $0.1.job.attempt } == [2])
        let second = core.received(.jobFinished(JobFinished(job: JobRef(runID: runID, jobID: "flaky", attempt: 2),
                                                            outcome: .failure, exitCode: 1, durationMillis: 5)),
                                   from: 1, now: 20)
        #expect(second.runFinished?.outcome == .failed, "the one retry is used up")
    }

    @Test func lostAgentSkipsDependentsOfItsJobs() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.withoutRetries(Fixture.job("build")), Fixture.job("test", needs: ["build"])])
        let actions = core.connectionClosed(1, reason: "connection reset", now: 5)
        #expect(Array(actions.prefix(2)) == [
            Fixture.event(runID, "build", .agentLost, agent: "a1", detail: "agent 'a1' lost: connection reset"),
            Fixture.event(runID, "test", .skipped, detail: "skipped: a job it needs did not succeed"),
        ])
        #expect(actions.runFinished?.outcome == .failed)
        #expect(actions.count == 3)
    }

    @Test func reportsFromALostAgentAfterReconnectAreIgnored() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let (runID, _) = core.submit([Fixture.withoutRetries(Fixture.job("build")), Fixture.job("test")])
        _ = core.connectionClosed(1, reason: "gone", now: 5)
        // The same agent comes back on a new connection and reports the old attempt.
        _ = core.agentRegistered(9, hello: Fixture.hello("a1", capacity: 2), now: 6)
        #expect(core.received(Fixture.finished(runID, "build", .success), from: 9, now: 7) == [])
        #expect(core.state(runID, "build") == .agentLost)
    }

    @Test func clientDisconnectCancelsItsUnfinishedRuns() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let other: ConnectionID = 101
        core.clientRegistered(other)
        let (runID, submitted) = core.submit([Fixture.job("build"), Fixture.job("lint"),
                                              Fixture.job("test", needs: ["build"])])
        #expect(submitted.placed == ["1:build", "1:lint"])
        _ = core.received(Fixture.started(runID, "build"), from: 1, now: 1)
        let (otherRun, queuedBehind) = core.submit([Fixture.job("docs")], client: other)
        #expect(queuedBehind.placed.isEmpty)

        let actions = core.connectionClosed(Fixture.client, reason: "client closed", now: 9)
        let reason = "the submitting client disconnected"
        // Nothing is sent to the departed client; agents are told to stop. The slots stay taken
        // until the agent confirms the kills, so it is never handed more than its capacity.
        #expect(actions == [
            .send(1, .cancelJob(CancelJob(job: Fixture.ref(runID, "build"), reason: reason))),
            .send(1, .cancelJob(CancelJob(job: Fixture.ref(runID, "lint"), reason: reason))),
        ])
        let confirmed = core.received(Fixture.finished(runID, "build", .cancelled), from: 1, now: 10)
        #expect(confirmed == [
            .send(1, .assignJob(Fixture.assignment(otherRun, "docs"))),
            .send(other, .jobEvent(JobEvent(runID: otherRun, jobID: "docs", state: .assigned, agentName: "a1", detail: ""))),
        ])
        #expect(core.runs[runID]?.phase == .finished(.cancelled))
        #expect(core.state(runID, "build") == .cancelled)
        #expect(core.state(runID, "lint") == .cancelled)
        #expect([JobState.cancelled, .skipped].contains(core.state(runID, "test") ?? .queued))
        #expect(core.runOrder == [otherRun])
        #expect(core.runs[runID]?.client == nil)
    }

    @Test func clientDisconnectWhileItsBundleIsUploadingEndsTheRun() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(), plan: Plan(jobs: [Fixture.job("a")]),
                                           bundleAvailable: false, now: 0)
        #expect(core.connectionClosed(Fixture.client, reason: "closed", now: 1) == [])
        #expect(core.runs[runID]?.phase == .finished(.cancelled))
        #expect(core.state(runID, "a") == .cancelled)
        #expect(core.runOrder.isEmpty)
        // A bundle stored later (by another upload) must not revive it.
        #expect(core.bundleStored(sha256: Fixture.sha, now: 2) == [])
        #expect(core.agents[1]?.running.isEmpty == true)
    }

    @Test func finishedRunsAreUntouchedWhenTheirClientLeaves() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.job("a")])
        let done = core.received(Fixture.finished(runID, "a", .success), from: 1, now: 1)
        #expect(done.runFinished?.outcome == .succeeded)
        #expect(core.connectionClosed(Fixture.client, reason: "bye", now: 2) == [])
        #expect(core.runs[runID]?.phase == .finished(.succeeded))
    }

    @Test func unknownConnectionClosingDoesNothing() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.job("a")])
        #expect(core.connectionClosed(55, reason: "?", now: 1) == [])
        #expect(core.state(runID, "a") == .assigned)
    }
}
