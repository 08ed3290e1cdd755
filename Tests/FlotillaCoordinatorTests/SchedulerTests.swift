import Testing
import WireProtocol
import FlotillaCore
import FlotillaCoordinator

@Suite("Scheduler placement")
struct SchedulerTests {
    private func candidates(_ runID: String, count: Int, labels: Set<String> = ["linux"], chain: Int = 1) -> [Scheduler.Candidate] {
        (0..<count).map { Scheduler.Candidate(runID: runID, jobIndex: $0, labels: labels, chainLength: chain) }
    }

    private func slot(_ agent: ConnectionID, _ name: String, free: Int, labels: Set<String> = ["linux"]) -> Scheduler.Slot {
        Scheduler.Slot(agent: agent, name: name, labels: labels, free: free)
    }

    private func describe(_ placements: [Scheduler.Placement]) -> [String] {
        placements.map { "\($0.candidate.runID)#\($0.candidate.jobIndex)->\($0.agent)" }
    }

    @Test func runsTakeTurns() {
        let ready = candidates("r1", count: 10) + candidates("r2", count: 10)
        let two = Scheduler.place(candidates: ready, runOrder: ["r1", "r2"], slots: [slot(1, "a", free: 2)])
        #expect(describe(two) == ["r1#0->1", "r2#0->1"])
        let three = Scheduler.place(candidates: ready, runOrder: ["r1", "r2"], slots: [slot(1, "a", free: 3)])
        #expect(describe(three) == ["r1#0->1", "r2#0->1", "r1#1->1"])
    }

    @Test func runOrderDecidesWhoGoesFirst() {
        let ready = candidates("r1", count: 3) + candidates("r2", count: 3)
        let one = Scheduler.place(candidates: ready, runOrder: ["r2", "r1"], slots: [slot(1, "a", free: 1)])
        #expect(describe(one) == ["r2#0->1"])
    }

    @Test func exhaustedRunLeavesTheRestToOthers() {
        let ready = candidates("r1", count: 1) + candidates("r2", count: 5)
        let placed = Scheduler.place(candidates: ready, runOrder: ["r1", "r2"], slots: [slot(1, "a", free: 4)])
        #expect(describe(placed) == ["r1#0->1", "r2#0->1", "r2#1->1", "r2#2->1"])
    }

    @Test func longestChainFirstThenJobOrder() {
        let ready = [
            Scheduler.Candidate(runID: "r", jobIndex: 0, labels: [], chainLength: 1),
            Scheduler.Candidate(runID: "r", jobIndex: 1, labels: [], chainLength: 3),
            Scheduler.Candidate(runID: "r", jobIndex: 2, labels: [], chainLength: 2),
            Scheduler.Candidate(runID: "r", jobIndex: 3, labels: [], chainLength: 3),
        ]
        let one = Scheduler.place(candidates: ready, runOrder: ["r"], slots: [slot(1, "a", free: 1)])
        #expect(describe(one) == ["r#1->1"])
        let all = Scheduler.place(candidates: ready, runOrder: ["r"], slots: [slot(1, "a", free: 9)])
        #expect(describe(all) == ["r#1->1", "r#3->1", "r#2->1", "r#0->1"])
    }

    @Test func labelMismatchLeavesJobsUnplaced() {
        let gpu = candidates("r", count: 2, labels: ["linux", "gpu"])
        #expect(Scheduler.place(candidates: gpu, runOrder: ["r"], slots: [slot(1, "a", free: 4)]).isEmpty)
        // A job nobody can take does not block the run's other jobs.
        let mixed = [Scheduler.Candidate(runID: "r", jobIndex: 0, labels: ["gpu"], chainLength: 5)]
            + [Scheduler.Candidate(runID: "r", jobIndex: 1, labels: ["linux"], chainLength: 1)]
        let placed = Scheduler.place(candidates: mixed, runOrder: ["r"], slots: [slot(1, "a", free: 4)])
        #expect(describe(placed) == ["r#1->1"])
    }

    @Test func labelsAreASubsetTest() {
        let ready = [Scheduler.Candidate(runID: "r", jobIndex: 0, labels: ["linux", "x64"], chainLength: 1)]
        let slots = [slot(1, "a", free: 9, labels: ["linux"]), slot(2, "b", free: 1, labels: ["linux", "x64", "big"])]
        #expect(describe(Scheduler.place(candidates: ready, runOrder: ["r"], slots: slots)) == ["r#0->2"])
        let unlabeled = [Scheduler.Candidate(runID: "r", jobIndex: 0, labels: [], chainLength: 1)]
        #expect(describe(Scheduler.place(candidates: unlabeled, runOrder: ["r"], slots: [slot(3, "c", free: 1, labels: [])]))
                == ["r#0->3"])
    }

    @Test func mostFreeAgentWinsWithNameAsTieBreak() {
        let ready = candidates("r", count: 1)
        let slots = [slot(1, "a", free: 1), slot(2, "b", free: 3), slot(3, "c", free: 2)]
        #expect(describe(Scheduler.place(candidates: ready, runOrder: ["r"], slots: slots)) == ["r#0->2"])
        let tied = [slot(5, "zeta", free: 2), slot(6, "alpha", free: 2), slot(7, "mid", free: 2)]
        #expect(describe(Scheduler.place(candidates: ready, runOrder: ["r"], slots: tied)) == ["r#0->6"])
        // Load spreads: each placement re-evaluates which agent has the most room.
        let spread = Scheduler.place(candidates: candidates("r", count: 4), runOrder: ["r"],
                                     slots: [slot(1, "a", free: 2), slot(2, "b", free: 3)])
        #expect(spread.map(\.agent) == [2, 1, 2, 1])
    }

    @Test func capacityIsRespectedExactly() {
        let ready = candidates("r1", count: 10) + candidates("r2", count: 10)
        let slots = [slot(1, "a", free: 2), slot(2, "b", free: 1), slot(3, "c", free: 0)]
        let placed = Scheduler.place(candidates: ready, runOrder: ["r1", "r2"], slots: slots)
        #expect(placed.count == 3)
        #expect(placed.filter { $0.agent == 1 }.count == 2)
        #expect(placed.filter { $0.agent == 2 }.count == 1)
        #expect(!placed.contains { $0.agent == 3 })
        let distinct = Set(placed.map { "\($0.candidate.runID)#\($0.candidate.jobIndex)" })
        #expect(distinct.count == 3, "no job is placed twice")
    }

    @Test func nothingToPlaceOrNowhereToPlaceIt() {
        #expect(Scheduler.place(candidates: [], runOrder: ["r"], slots: [slot(1, "a", free: 3)]).isEmpty)
        #expect(Scheduler.place(candidates: candidates("r", count: 3), runOrder: ["r"], slots: []).isEmpty)
        #expect(Scheduler.place(candidates: candidates("r", count: 3), runOrder: ["r"], slots: [slot(1, "a", free: 0)]).isEmpty)
        #expect(Scheduler.place(candidates: candidates("r", count: 3), runOrder: ["r"], slots: [slot(1, "a", free: -2)]).isEmpty)
    }

    @Test func candidatesOfRunsMissingFromTheOrderAreNotPlaced() {
        let placed = Scheduler.place(candidates: candidates("ghost", count: 2) + candidates("r", count: 1),
                                     runOrder: ["r"], slots: [slot(1, "a", free: 5)])
        #expect(describe(placed) == ["r#0->1"])
    }
}

@Suite("Scheduler: exclusive benchmark jobs")
struct ExclusiveSchedulingTests {
    private func benchmark(_ id: String) -> PlannedJob {
        var job = Fixture.job(id)
        job.benchmark = BenchmarkSpec(repeatCount: 3, warmup: 1)
        return job
    }

    @Test func benchmarkWaitsForAnIdleAgentAndThenNothingElseIsPlacedThere() {
        var core = Fixture.core(agents: [Fixture.hello("big", capacity: 4)])
        let (runID, first) = core.submit([Fixture.job("build"), benchmark("bench"), Fixture.job("lint"), Fixture.job("docs")])
        // The agent is busy with other work, so the benchmark waits.
        #expect(first.placed == ["1:build", "1:lint", "1:docs"])
        _ = core.received(Fixture.finished(runID, "build", .success), from: 1, now: 1)
        _ = core.received(Fixture.finished(runID, "lint", .success), from: 1, now: 2)
        let idle = core.received(Fixture.finished(runID, "docs", .success), from: 1, now: 3)
        #expect(idle.placed == ["1:bench"], "placed once the agent runs nothing")

        // While it runs, a new run's jobs are not placed on that agent, though it has 3 free slots.
        let (otherRun, other) = core.submit([Fixture.job("test")], now: 4)
        #expect(other.placed.isEmpty)
        let done = core.received(Fixture.finished(runID, "bench", .success), from: 1, now: 5)
        #expect(done.placed == ["1:test"])
        #expect(core.state(otherRun, "test") == .assigned)
    }

    @Test func ordinaryJobsGoToOtherAgentsWhileABenchmarkRuns() {
        var core = Fixture.core(agents: [Fixture.hello("a", capacity: 2), Fixture.hello("b", capacity: 2)])
        let (_, placed) = core.submit([benchmark("bench"), Fixture.job("x"), Fixture.job("y"), Fixture.job("z")])
        let onA = placed.placed.filter { $0.hasPrefix("1:") }
        let onB = placed.placed.filter { $0.hasPrefix("2:") }
        let benchAgent = String(placed.placed.first { $0.hasSuffix(":bench") }?.prefix(1) ?? "?")
        let shared = benchAgent == "1" ? onA : onB
        #expect(shared == [benchAgent + ":bench"], "nothing shares the benchmark's agent: \(placed.placed)")
        #expect(placed.placed.count == 3, "the other agent takes two jobs; the third waits: \(placed.placed)")
    }
}

@Suite("Coordinator core: benchmark confirmation re-runs")
struct BenchmarkConfirmationTests {
    private func hello(_ name: String, machineClass: String) -> Hello {
        var hello = Fixture.hello(name, capacity: 2)
        hello.machineClass = machineClass
        return hello
    }

    private func benchmark(_ id: String) -> PlannedJob {
        var job = Fixture.job(id)
        job.benchmark = BenchmarkSpec(repeatCount: 3, warmup: 0)
        return job
    }

    @Test func confirmationGoesToAnotherAgentOfTheSameClassAndTheRunWaitsForIt() {
        var core = Fixture.core(agents: [hello("fast-1", machineClass: "fast"), hello("slow-1", machineClass: "slow"),
                                         hello("fast-2", machineClass: "fast")])
        let (runID, placed) = core.submit([benchmark("bench")])
        #expect(placed.placed == ["1:bench"], "name order among equally free agents")
        let (id, actions) = core.confirmBenchmark(runID: runID, jobID: "bench", machineClass: "fast",
                                                  avoidAgent: "fast-1", now: 5)
        #expect(id == "bench-confirm")
        #expect(actions.contains { if case .send(Fixture.client, .runAccepted(let a)) = $0 { a.jobs.count == 2 } else { false } })
        #expect(actions.placed == ["3:bench-confirm"], "the other idle agent of the class, never the slow one")
        _ = core.received(Fixture.finished(runID, "bench", .success), from: 1, now: 6)
        #expect(core.runs[runID]?.isFinished == false, "the run waits for its confirmation")
        let end = core.received(.jobFinished(JobFinished(job: Fixture.ref(runID, "bench-confirm"), outcome: .failure,
                                                         exitCode: 1, durationMillis: 1)), from: 3, now: 7)
        #expect(end.runFinished?.outcome == .succeeded, "a failed confirmation does not fail the run")
    }

    @Test func aBusyAgentOfTheClassIsWaitedForRatherThanTheSameOne() {
        var core = Fixture.core(agents: [hello("fast-1", machineClass: "fast"), hello("fast-2", machineClass: "fast")])
        let (runID, placed) = core.submit([benchmark("bench"), Fixture.job("other")])
        #expect(placed.placed == ["1:bench", "2:other"])
        _ = core.confirmBenchmark(runID: runID, jobID: "bench", machineClass: "fast", avoidAgent: "fast-1", now: 5)
        let benchDone = core.received(Fixture.finished(runID, "bench", .success), from: 1, now: 6)
        #expect(benchDone.placed.isEmpty, "fast-1 is idle, but fast-2 exists: the re-run waits for it")
        let otherDone = core.received(Fixture.finished(runID, "other", .success), from: 2, now: 7)
        #expect(otherDone.placed == ["2:bench-confirm"])
    }

    @Test func withoutAnotherAgentOfTheClassTheSameOneConfirms() {
        var core = Fixture.core(agents: [hello("fast-1", machineClass: "fast"), hello("slow-1", machineClass: "slow")])
        let (runID, _) = core.submit([benchmark("bench")])
        let (_, added) = core.confirmBenchmark(runID: runID, jobID: "bench", machineClass: "fast", avoidAgent: "fast-1", now: 5)
        #expect(added.placed.isEmpty, "never on the slow class, and fast-1 is busy")
        let done = core.received(Fixture.finished(runID, "bench", .success), from: 1, now: 6)
        #expect(done.placed == ["1:bench-confirm"])
        // One confirmation per job; a confirmation is never confirmed again.
        #expect(core.confirmBenchmark(runID: runID, jobID: "bench", machineClass: "fast", avoidAgent: "x", now: 7).0 == nil)
        #expect(core.confirmBenchmark(runID: runID, jobID: "bench-confirm", machineClass: "fast", avoidAgent: "x", now: 7).0 == nil)
    }
}

@Suite("Scheduler: agents reserved for waiting benchmarks")
struct BenchmarkReservationTests {
    private func benchmark(_ id: String, needs: [String] = []) -> PlannedJob {
        var job = Fixture.job(id, needs: needs)
        job.benchmark = BenchmarkSpec(repeatCount: 3, warmup: 0)
        return job
    }

    @Test func aBusyAgentIsHeldForAWaitingBenchmarkUntilItDrains() {
        var core = Fixture.core(agents: [Fixture.hello("only", capacity: 2)])
        let (first, placed) = core.submit([Fixture.job("gate"), Fixture.job("long")])
        #expect(placed.placed == ["1:gate", "1:long"])
        let (benchRun, _) = core.submit([benchmark("bench")], now: 1)
        let (stream, _) = core.submit((1...4).map { Fixture.job("z\($0)") }, now: 2)
        // A slot frees up but the agent is not idle: z1 takes it, and the agent is held from now on.
        let gateDone = core.received(Fixture.finished(first, "gate", .success), from: 1, now: 3)
        #expect(gateDone.placed == ["1:z1"])
        // Without the hold, z2 would take this slot, and so on forever: the agent is never idle.
        let longDone = core.received(Fixture.finished(first, "long", .success), from: 1, now: 4)
        #expect(longDone.placed.isEmpty, "held for the benchmark: \(longDone.placed)")
        #expect(core.state(stream, "z2") == .queued)
        let idle = core.received(Fixture.finished(stream, "z1", .success), from: 1, now: 5)
        #expect(idle.placed == ["1:bench"], "idle at last: the benchmark, alone")
        let after = core.received(Fixture.finished(benchRun, "bench", .success), from: 1, now: 6)
        #expect(after.placed == ["1:z2", "1:z3"], "released once the benchmark ran")
    }

    @Test func theLeastBusyAgentIsHeldAndTheOthersKeepWorking() {
        var core = Fixture.core(agents: [Fixture.hello("a", capacity: 4), Fixture.hello("b", capacity: 4)])
        let (first, placed) = core.submit([Fixture.job("j1"), Fixture.job("j2"), Fixture.job("j3")])
        #expect(placed.placed == ["1:j1", "2:j2", "1:j3"])
        _ = core.submit([benchmark("bench")], now: 1)
        // b runs one job, a two: b is held, so new work goes to a although b has more free slots.
        let (_, more) = core.submit([Fixture.job("c1"), Fixture.job("c2")], now: 2)
        #expect(more.placed == ["1:c1", "1:c2"])
        let drained = core.received(Fixture.finished(first, "j2", .success), from: 2, now: 3)
        #expect(drained.placed == ["2:bench"])
    }
}
