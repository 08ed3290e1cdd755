import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: drain, watchers, detached runs, cancel")
struct OperationsTests {
    private static let watcher: ConnectionID = 200

    private static func detached() -> SubmitRun {
        var submit = Fixture.submit()
        submit.detached = true
        return submit
    }

    @Test func drainedAgentGetsNoNewJobsButFinishesItsOwn() {
        var core = Fixture.core(agents: [Fixture.hello("alpha", capacity: 2)])
        let (runID, submitted) = core.submit([Fixture.job("a")])
        #expect(submitted.placed == ["1:a"])

        let drained = core.setAgentDrained(name: "alpha", drained: true, now: 10)
        #expect(drained.connected && drained.actions.isEmpty)
        let (second, queued) = core.submit([Fixture.job("b")], now: 20)
        #expect(queued.placed.isEmpty, "a drained agent with a free slot takes nothing")
        #expect(core.state(second, "b") == .queued)

        // Its current job still finishes normally.
        let done = core.received(Fixture.finished(runID, "a", .success), from: 1, now: 30)
        #expect(done.runFinished?.outcome == .succeeded)
        #expect(done.placed.isEmpty)

        let undrained = core.setAgentDrained(name: "alpha", drained: false, now: 40)
        #expect(undrained.connected)
        #expect(undrained.actions.placed == ["1:b"])
        #expect(core.setAgentDrained(name: "nobody", drained: true, now: 50).connected == false)
    }

    @Test func agentRegisteredDrainedTakesNothingUntilUndrained() {
        var core = Fixture.core()
        _ = core.submit([Fixture.job("a")])
        let registered = core.agentRegistered(7, hello: Fixture.hello("alpha"), drained: true, now: 5)
        #expect(registered.placed.isEmpty)
        #expect(core.agents[7]?.drained == true)
        #expect(core.setAgentDrained(name: "alpha", drained: false, now: 6).actions.placed == ["7:a"])
    }

    @Test func watchersReceiveTheCurrentStateThenEveryEventAndTheEnd() {
        var core = Fixture.core(agents: [Fixture.hello("alpha")])
        core.clientRegistered(Self.watcher)
        let (runID, _) = core.submit([Fixture.job("a"), Fixture.job("b", needs: ["a"])])
        _ = core.received(Fixture.started(runID, "a"), from: 1, now: 5)

        let snapshot = core.watchRun(runID, by: Self.watcher)
        #expect(snapshot == [
            .send(Self.watcher, .runAccepted(RunAccepted(runID: runID, jobs: [
                PlannedJobSummary(jobID: "a", name: "A"), PlannedJobSummary(jobID: "b", name: "B")]))),
            .send(Self.watcher, .jobEvent(JobEvent(runID: runID, jobID: "a", state: .running, agentName: "alpha", detail: ""))),
            .send(Self.watcher, .jobEvent(JobEvent(runID: runID, jobID: "b", state: .queued, agentName: "", detail: ""))),
        ])

        let log = Message.logChunk(LogChunk(job: Fixture.ref(runID, "a"), sequence: 0, stepIndex: 0, stream: .stdout, data: [65]))
        #expect(core.received(log, from: 1, now: 6) == [.send(Fixture.client, log), .send(Self.watcher, log)])

        let next = core.received(Fixture.finished(runID, "a", .success), from: 1, now: 10)
        let succeeded = JobEvent(runID: runID, jobID: "a", state: .succeeded, agentName: "alpha", detail: "")
        #expect(next.contains(.send(Fixture.client, .jobEvent(succeeded))))
        #expect(next.contains(.send(Self.watcher, .jobEvent(succeeded))))

        let end = core.received(Fixture.finished(runID, "b", .success), from: 1, now: 20)
        let finishedTo = end.compactMap { action -> ConnectionID? in
            if case .send(let c, .runFinished) = action { c } else { nil }
        }
        #expect(finishedTo == [Fixture.client, Self.watcher])
        #expect(core.watchRun(runID, by: Self.watcher) == nil, "a finished run is answered by the driver, from the store")
        #expect(core.watchRun("no-such-run", by: Self.watcher) == nil)
    }

    @Test func aWatcherLeavingCancelsNothingAndHearsNoMore() {
        var core = Fixture.core(agents: [Fixture.hello("alpha")])
        core.clientRegistered(Self.watcher)
        let (runID, _) = core.submit([Fixture.job("a")])
        _ = core.watchRun(runID, by: Self.watcher)
        let closed = core.connectionClosed(Self.watcher, reason: "bye", now: 5)
        #expect(closed.isEmpty)
        #expect(core.state(runID, "a") == .assigned)
        #expect(core.runs[runID]?.watchers.isEmpty == true)
        let started = core.received(Fixture.started(runID, "a"), from: 1, now: 6)
        #expect(started == [Fixture.event(runID, "a", .running, agent: "alpha")])
    }

    @Test func detachedRunSurvivesItsSubmitterAndCanBeWatchedToTheEnd() {
        var core = Fixture.core(agents: [Fixture.hello("alpha")])
        let (runID, _) = core.runSubmitted(by: Fixture.client, submit: Self.detached(), plan: Plan(jobs: [Fixture.job("a")]),
                                           bundleAvailable: true, now: 0)
        let closed = core.connectionClosed(Fixture.client, reason: "submit done", now: 5)
        #expect(closed.cancels.isEmpty)
        #expect(core.state(runID, "a") == .assigned)
        #expect(core.runs[runID]?.client == nil)

        core.clientRegistered(Self.watcher)
        #expect(core.watchRun(runID, by: Self.watcher)?.count == 2)
        let end = core.received(Fixture.finished(runID, "a", .failure, exitCode: 3), from: 1, now: 9)
        #expect(end.contains { if case .send(Self.watcher, .runFinished(let r)) = $0 { r.outcome == .failed } else { false } })
    }

    @Test func attachedRunIsStillCancelledWhenItsSubmitterLeaves() {
        var core = Fixture.core(agents: [Fixture.hello("alpha")])
        let (runID, _) = core.submit([Fixture.job("a")])
        let closed = core.connectionClosed(Fixture.client, reason: "gone", now: 5)
        #expect(closed.cancels.map(\.1.job) == [Fixture.ref(runID, "a")])
        #expect(core.runs[runID]?.phase == .finished(.cancelled))
    }

    @Test func cancelKillsRunningJobsTellsWatchersAndFreesSlotsOnlyWhenTheAgentReports() {
        var core = Fixture.core(agents: [Fixture.hello("alpha"), Fixture.hello("beta")])
        core.clientRegistered(Self.watcher)
        let (runID, _) = core.runSubmitted(by: Fixture.client, submit: Self.detached(),
                                           plan: Plan(jobs: [Fixture.job("a"), Fixture.job("b"), Fixture.job("c")]),
                                           bundleAvailable: true, now: 0)
        _ = core.connectionClosed(Fixture.client, reason: "submit done", now: 1)
        _ = core.watchRun(runID, by: Self.watcher)
        let (other, queued) = core.submit([Fixture.job("x")], now: 2)
        #expect(queued.placed.isEmpty)

        let cancelled = core.cancelRun(runID, reason: "cancelled by alice", now: 3)
        #expect(Set(cancelled.cancels.map { "\($0.0):\($0.1.job.jobID)" }) == ["1:a", "2:b"])
        #expect(cancelled.cancels.allSatisfy { $0.1.reason == "cancelled by alice" })
        #expect(cancelled.contains { if case .send(Self.watcher, .runFinished(let r)) = $0 { r.outcome == .cancelled } else { false } })
        #expect(core.state(runID, "c") == .cancelled)
        #expect(cancelled.placed.isEmpty, "the cancelled jobs' slots stay taken until their agents report")

        let ended = core.received(Fixture.finished(runID, "a", .cancelled), from: 1, now: 4)
        #expect(ended.placed == ["1:x"])
        #expect(core.state(other, "x") == .assigned)
        #expect(core.cancelRun(runID, reason: "again", now: 5).isEmpty)
    }
}
