import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: resuming runs after a restart")
struct RecoveryTests {
    /// A restored three-job run: `done` succeeded, `busy` runs on alpha (attempt 2, retried
    /// once after alpha's predecessor was lost), `next` is queued behind `done`.
    private func restoredCore(window: UInt64 = 1_000) -> (CoordinatorCore, String) {
        var core = CoordinatorCore(runIDPrefix: "new")
        let jobs = [Fixture.job("done"), Fixture.job("busy"), Fixture.job("next", needs: ["done"])]
        let restored = RestoredRun(
            id: "old-7", submit: Fixture.submit(), plan: Plan(jobs: jobs),
            jobs: [RestoredJob(state: .succeeded, attempts: 1, agentName: "beta", exitCode: 0),
                   RestoredJob(state: .running, attempts: 2, agentName: "alpha", retryReasons: [.agentLost]),
                   RestoredJob(state: .queued)],
            bundleAvailable: true)
        let actions = core.restore(restored, reclaimWindowMillis: window, now: 10)
        #expect(actions.isEmpty, "nothing to say before agents and clients connect")
        #expect(core.takeChanges().isEmpty, "restoring writes nothing: the store already holds it")
        return (core, "old-7")
    }

    @Test func restoredRunKeepsStatesAttemptsAndWaitsForTheAgent() {
        let (core, runID) = restoredCore()
        #expect(core.state(runID, "done") == .succeeded)
        #expect(core.state(runID, "busy") == .running)
        #expect(core.job(runID, "busy")?.attempts == 2)
        #expect(core.job(runID, "busy")?.retryReasons == [.agentLost])
        #expect(core.runs[runID]?.detached == true, "nobody is attached; closing a watcher must not cancel it")
        #expect(core.pendingReclaimCount == 1)
    }

    @Test func agentReportingTheAttemptKeepsItAndItsResultCountsOnce() {
        var (core, runID) = restoredCore()
        var hello = Fixture.hello("alpha", capacity: 2)
        hello.runningJobs = [Fixture.ref(runID, "busy", attempt: 2)]
        let registered = core.agentRegistered(1, hello: hello, now: 20)
        #expect(registered.cancels.isEmpty)
        #expect(registered.placed == ["1:next"], "the free slot takes the queued job; busy is not started twice")
        #expect(core.agents[1]?.running.contains(Fixture.ref(runID, "busy", attempt: 2)) == true)
        #expect(core.pendingReclaimCount == 0)

        _ = core.received(Fixture.finished(runID, "busy", .success, attempt: 2), from: 1, now: 30)
        #expect(core.state(runID, "busy") == .succeeded)
        // The agent resends the result after another reconnect: ignored, nothing changes.
        let again = core.received(Fixture.finished(runID, "busy", .success, attempt: 2), from: 1, now: 31)
        #expect(again.isEmpty)
        #expect(core.job(runID, "busy")?.attempts == 2)
    }

    @Test func agentBackWithoutTheAttemptLosesItAndTheRetryPolicyDecides() {
        var (core, runID) = restoredCore()
        let registered = core.agentRegistered(1, hello: Fixture.hello("alpha", capacity: 1), now: 20)
        #expect(core.state(runID, "busy") == .assigned, "queued again (attempt 3 of 3) and placed on the free slot")
        #expect(core.job(runID, "busy")?.attempts == 3)
        #expect(registered.assignments.map(\.1.job) == [Fixture.ref(runID, "busy", attempt: 3)])
        #expect(core.job(runID, "busy")?.retryReasons == [.agentLost, .agentLost])
    }

    @Test func attemptWhoseAgentNeverReturnsIsLostAtTheDeadline() {
        var (core, runID) = restoredCore(window: 1_000)
        _ = core.agentRegistered(2, hello: Fixture.hello("beta", capacity: 0), now: 20)
        #expect(core.reclaimsExpired(now: 500).isEmpty)
        #expect(core.state(runID, "busy") == .running)
        _ = core.reclaimsExpired(now: 1_010)
        #expect(core.state(runID, "busy") == .queued)
        #expect(core.job(runID, "busy")?.detail.contains("not back after the coordinator restarted") == true)
        #expect(core.pendingReclaimCount == 0)
        #expect(core.takeChanges().map(\.runID) == [runID], "the requeue is written to the store")
    }

    @Test func attemptsNobodyWaitsForAreStopped() {
        var (core, runID) = restoredCore()
        var hello = Fixture.hello("alpha", capacity: 3)
        // An old attempt, a job that already finished, and a run this coordinator never heard of.
        hello.runningJobs = [Fixture.ref(runID, "busy", attempt: 1), Fixture.ref(runID, "done"), Fixture.ref("gone-1", "x")]
        let actions = core.agentRegistered(1, hello: hello, now: 20)
        #expect(Set(actions.cancels.map(\.1.job)) == Set(hello.runningJobs))
        #expect(actions.cancels.allSatisfy { $0.0 == 1 })
        #expect(core.agents[1]?.running.contains(Fixture.ref(runID, "done")) == false)
    }

    @Test func anotherAgentNameCannotClaimTheAttempt() {
        var (core, runID) = restoredCore()
        var hello = Fixture.hello("mallory", capacity: 1)
        hello.runningJobs = [Fixture.ref(runID, "busy", attempt: 2)]
        let actions = core.agentRegistered(1, hello: hello, now: 20)
        #expect(actions.cancels.map(\.1.job) == [Fixture.ref(runID, "busy", attempt: 2)])
        #expect(core.pendingReclaimCount == 1, "still waiting for alpha")
    }

    @Test func restoredRunWhoseJobsHadAllEndedCompletes() {
        var core = CoordinatorCore(runIDPrefix: "new")
        let restored = RestoredRun(id: "old-1", submit: Fixture.submit(), plan: Plan(jobs: [Fixture.job("a")]),
                                   jobs: [RestoredJob(state: .succeeded, attempts: 1, agentName: "x", exitCode: 0)],
                                   bundleAvailable: true)
        _ = core.restore(restored, reclaimWindowMillis: 1_000, now: 5)
        #expect(core.runs["old-1"]?.isFinished == true)
        #expect(core.takeChanges().map(\.runID) == ["old-1"], "the finish is written to the store")
    }

    @Test func runningDiscoveryJobIsListedAgain() {
        var core = CoordinatorCore(runIDPrefix: "new")
        var sharded = Fixture.job("test")
        sharded.shard = ShardSpec(count: .fixed(2), source: .list(command: "ls tests"))
        let (plan, _) = ShardDiscovery.addingDiscoveryJobs(to: Plan(jobs: [sharded]))
        let restored = RestoredRun(id: "old-2", submit: Fixture.submit(), plan: plan,
                                   jobs: [RestoredJob(state: .running, attempts: 1, agentName: "alpha"),
                                          RestoredJob(state: .queued)],
                                   bundleAvailable: true)
        _ = core.restore(restored, reclaimWindowMillis: 1_000, now: 5)
        var hello = Fixture.hello("alpha", capacity: 1)
        hello.runningJobs = [Fixture.ref("old-2", "test-discover")]
        let actions = core.agentRegistered(1, hello: hello, now: 20)
        #expect(actions.cancels.map(\.1.job) == [Fixture.ref("old-2", "test-discover")])
        #expect(core.job("old-2", "test-discover")?.attempts == 2, "listed again as the next attempt")
    }
}

@Suite("Coordinator core: holding placements while the store fails")
struct PlacementHoldTests {
    @Test func aRevokedPlacementIsQueuedAgainAsIfNeverPlacedAndWaitsForTheHoldToLift() {
        var core = Fixture.core(agents: [Fixture.hello("alpha", capacity: 1)])
        let (runID, _) = core.submit([Fixture.job("a"), Fixture.job("b", needs: ["a"])])
        let finished = core.received(Fixture.finished(runID, "a", .success), from: 1, now: 1)
        #expect(finished.placed == ["1:b"])
        // The driver could not record that: it takes the placement back and holds new ones.
        let revoked = core.revokePlacement(Fixture.ref(runID, "b"))
        #expect(revoked)
        core.placementsHeld = true
        #expect(core.state(runID, "b") == .queued)
        #expect(core.job(runID, "b")?.attempts == 0)
        #expect(core.agents[1]?.running.isEmpty == true, "the slot is free again")
        let again = core.revokePlacement(Fixture.ref(runID, "b"))
        #expect(!again, "only an assigned attempt can be taken back")
        let held = core.placeReadyJobs(now: 2)
        #expect(held.isEmpty, "held")
        core.placementsHeld = false
        let placed = core.placeReadyJobs(now: 3)
        #expect(placed.assignments.map(\.1.job) == [Fixture.ref(runID, "b", attempt: 1)], "the same attempt number again")
    }
}
