import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: fail-fast and max-parallel")
struct MatrixStrategyTests {
    @Test func failFastCancelsRunningAndQueuedSiblings() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 3)])
        var jobs = Fixture.matrix("test", count: 4)
        jobs.append(Fixture.job("lint"))
        let (runID, submitted) = core.submit(jobs)
        #expect(submitted.placed == ["1:test-1", "1:test-2", "1:test-3"])
        _ = core.received(Fixture.started(runID, "test-2"), from: 1, now: 2)

        let failed = core.received(Fixture.finished(runID, "test-1", .failure, exitCode: 1), from: 1, now: 10)
        let reason = "cancelled by fail-fast: 'test (1)' failed"
        #expect(Array(failed.prefix(6)) == [
            Fixture.event(runID, "test-1", .failed, agent: "a1"),
            .send(1, .cancelJob(CancelJob(job: Fixture.ref(runID, "test-2"), reason: reason))),
            Fixture.event(runID, "test-2", .cancelled, agent: "a1", detail: reason),
            .send(1, .cancelJob(CancelJob(job: Fixture.ref(runID, "test-3"), reason: reason))),
            Fixture.event(runID, "test-3", .cancelled, agent: "a1", detail: reason),
            Fixture.event(runID, "test-4", .cancelled, detail: reason),
        ])
        // The job outside the matrix group is untouched and takes a freed slot.
        #expect(Array(failed.dropFirst(6)) == Fixture.placed(1, runID, "lint", agent: "a1"))
        #expect(failed.cancels.map(\.1.job.jobID) == ["test-2", "test-3"], "no CancelJob for the never-placed test-4")
        #expect(core.job(runID, "test-4")?.attempts == 0)
        // Cancelled attempts keep their slots until the agent confirms them.
        #expect(core.agents[1]?.running == [Fixture.ref(runID, "lint"), Fixture.ref(runID, "test-2"), Fixture.ref(runID, "test-3")])

        // Late reports of the cancelled attempts change no job state; they free the slots.
        #expect(core.received(Fixture.finished(runID, "test-2", .cancelled), from: 1, now: 11) == [])
        let done = core.received(Fixture.finished(runID, "lint", .success), from: 1, now: 12)
        #expect(done.runFinished?.outcome == .failed)
        #expect(done.runFinished?.jobs.map(\.state) == [.failed, .cancelled, .cancelled, .cancelled, .succeeded])
    }

    @Test func timedOutCombinationAlsoTriggersFailFast() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let (runID, _) = core.submit(Fixture.matrix("m", count: 2))
        let actions = core.received(Fixture.finished(runID, "m-2", .timedOut, exitCode: 137), from: 1, now: 5)
        #expect(actions.cancels.map(\.1.job.jobID) == ["m-1"])
        #expect(core.job(runID, "m-2")?.detail == "job timed out")
        #expect(actions.runFinished?.outcome == .failed)
    }

    @Test func withoutFailFastSiblingsKeepGoing() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let (runID, submitted) = core.submit(Fixture.matrix("test", count: 3, failFast: false))
        #expect(submitted.placed == ["1:test-1", "1:test-2"])
        let failed = core.received(Fixture.finished(runID, "test-1", .failure, exitCode: 1), from: 1, now: 10)
        #expect(failed.cancels.isEmpty)
        #expect(failed.jobEvents.map(\.state) == [.failed, .assigned])
        #expect(failed.placed == ["1:test-3"])
        #expect(core.state(runID, "test-2") == .assigned)
    }

    @Test func continueOnErrorCombinationDoesNotTriggerFailFast() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let (runID, _) = core.submit(Fixture.matrix("test", count: 2, continueOnError: true))
        let failed = core.received(Fixture.finished(runID, "test-1", .failure, exitCode: 1), from: 1, now: 10)
        #expect(failed == [Fixture.event(runID, "test-1", .failed, agent: "a1")])
        #expect(core.state(runID, "test-2") == .assigned)
    }

    @Test func maxParallelLimitsConcurrentCombinations() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 8)])
        var jobs = Fixture.matrix("test", count: 5, maxParallel: 2)
        jobs += [Fixture.job("other1"), Fixture.job("other2")]
        let (runID, submitted) = core.submit(jobs)
        // Two of the group, and the jobs outside the group are not limited by it.
        #expect(submitted.placed == ["1:test-1", "1:test-2", "1:other1", "1:other2"])

        _ = core.received(Fixture.started(runID, "test-1"), from: 1, now: 1)
        let one = core.received(Fixture.finished(runID, "test-1", .success), from: 1, now: 2)
        #expect(one.placed == ["1:test-3"], "exactly one combination replaces the finished one")
        #expect(core.received(Fixture.finished(runID, "other1", .success), from: 1, now: 3).placed.isEmpty)

        let two = core.received(Fixture.finished(runID, "test-2", .success), from: 1, now: 4)
        #expect(two.placed == ["1:test-4"])
        let three = core.received(Fixture.finished(runID, "test-3", .success), from: 1, now: 5)
        #expect(three.placed == ["1:test-5"])
        let groupActive = core.runs[runID]!.jobs.filter {
            $0.planned.matrixGroup == "test" && ($0.state == .assigned || $0.state == .running)
        }
        #expect(groupActive.count == 2)
    }

    @Test func maxParallelIsPerRun() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 8)])
        let (_, first) = core.submit(Fixture.matrix("test", count: 3, maxParallel: 1))
        let (_, second) = core.submit(Fixture.matrix("test", count: 3, maxParallel: 1))
        #expect(first.placed == ["1:test-1"])
        #expect(second.placed == ["1:test-1"])
    }
}
