import Synchronization
import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: splitting sharded jobs at run time")
struct ShardRuntimeTests {
    static let files = ["README.md", "tests/test_a.py", "tests/test_b.py", "tests/test_c.py", "tests/test_d.py", "tests/test_e.py"]

    static func sharded(_ id: String, count: ShardSpec.Count = .fixed(2), _ source: ShardSpec.Source = .files(glob: "tests/*.py"),
                        needs: [String] = []) -> PlannedJob {
        var job = Fixture.job(id, needs: needs)
        job.shard = ShardSpec(count: count, source: source)
        return job
    }

    static func stdout(_ runID: String, _ jobID: String, _ text: String, sequence: UInt64 = 0,
                       stream: LogStream = .stdout) -> Message {
        .logChunk(LogChunk(job: Fixture.ref(runID, jobID), sequence: sequence, stepIndex: 0, stream: stream, data: Array(text.utf8)))
    }

    /// The run's bookkeeping equals that of a run built fresh from the same job list.
    static func expectFreshBookkeeping(_ run: RunRecord, sourceLocation: SourceLocation = #_sourceLocation) {
        var plan = Plan(jobs: run.jobs.map(\.planned))
        plan.gates = run.gates
        let fresh = RunRecord(id: run.id, client: run.client, submit: Fixture.submit(), plan: plan, bundleAvailable: true, now: 0)
        #expect(run.indexByID == fresh.indexByID, sourceLocation: sourceLocation)
        #expect(run.dependents == fresh.dependents, sourceLocation: sourceLocation)
        #expect(run.jobs.map(\.chainLength) == fresh.jobs.map(\.chainLength), sourceLocation: sourceLocation)
        #expect(run.priorityOrder == fresh.priorityOrder, sourceLocation: sourceLocation)
        #expect(run.priorityPosition == fresh.priorityPosition, sourceLocation: sourceLocation)
        #expect(run.labelSets == fresh.labelSets && run.distinctLabelSets == fresh.distinctLabelSets, sourceLocation: sourceLocation)
        #expect(run.queued == Set(run.jobs.indices.filter { run.jobs[$0].state == .queued }), sourceLocation: sourceLocation)
        #expect(run.unfinishedCount == run.jobs.filter { !$0.state.isTerminal }.count, sourceLocation: sourceLocation)
    }

    @Test func filesShardsReplaceTheJobBeforeAnythingOfTheRunIsPlaced() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 4)])
        let (runID, submitted) = core.submit([Fixture.job("build"), Self.sharded("test", needs: ["build"]),
                                              Fixture.job("report", needs: ["test"])])
        // Accepted as written, but nothing runs until the glob is expanded, not even `build`.
        #expect(submitted.placed.isEmpty)
        #expect(core.runs[runID]?.phase == .waitingForBundle && core.runs[runID]?.awaitingSourceFiles == true)
        #expect(core.runsAwaitingSourceFiles(bundleSHA256: Fixture.sha) == [runID])
        #expect(core.bundleStored(sha256: Fixture.sha, now: 1).isEmpty, "a stored bundle alone does not start it")

        let listed = core.sourceFilesListed(runID: runID, files: Self.files, now: 2)
        let ids = ["build", "test-shard-1-of-2", "test-shard-2-of-2", "report"]
        #expect(Array(listed.prefix(3)) == [
            .send(Fixture.client, .runAccepted(RunAccepted(runID: runID, jobs: [
                PlannedJobSummary(jobID: "build", name: "BUILD"),
                PlannedJobSummary(jobID: "test-shard-1-of-2", name: "TEST (shard 1/2)"),
                PlannedJobSummary(jobID: "test-shard-2-of-2", name: "TEST (shard 2/2)"),
                PlannedJobSummary(jobID: "report", name: "REPORT"),
            ]))),
            Fixture.event(runID, "test-shard-1-of-2", .queued),
            Fixture.event(runID, "test-shard-2-of-2", .queued),
        ])
        #expect(listed.placed == ["1:build"])
        let run = core.runs[runID]!
        #expect(run.phase == .active && !run.awaitingSourceFiles && run.jobListRevision == 1)
        #expect(run.jobs.map(\.planned.id) == ids)
        #expect(run.jobs[3].planned.needs == ["test-shard-1-of-2", "test-shard-2-of-2"])
        #expect(run.jobs[1].planned.needs == ["build"] && run.jobs[1].planned.shard == nil)
        #expect(run.jobs[1].planned.shardTests == ["tests/test_a.py", "tests/test_c.py", "tests/test_e.py"])
        #expect(run.jobs[2].planned.shardTests == ["tests/test_b.py", "tests/test_d.py"])
        Self.expectFreshBookkeeping(run)
        #expect(core.sourceFilesListed(runID: runID, files: Self.files, now: 3).isEmpty, "listed once")

        // The shards run after `build`, each with its tests and index; `report` after both.
        let built = core.received(Fixture.finished(runID, "build", .success), from: 1, now: 4)
        #expect(built.placed == ["1:test-shard-1-of-2", "1:test-shard-2-of-2"])
        let assignment = built.assignments[1].1
        #expect(assignment.name == "TEST (shard 2/2)")
        #expect(assignment.shardTests == ["tests/test_b.py", "tests/test_d.py"])
        #expect(assignment.env.suffix(2) == [EnvVar(name: "FLOTILLA_SHARD_INDEX", value: "1"),
                                             EnvVar(name: "FLOTILLA_SHARD_COUNT", value: "2")])
        #expect(core.received(Fixture.finished(runID, "test-shard-2-of-2", .success), from: 1, now: 5).placed.isEmpty)
        #expect(core.received(Fixture.finished(runID, "test-shard-1-of-2", .success), from: 1, now: 6).placed == ["1:report"])
        let done = core.received(Fixture.finished(runID, "report", .success), from: 1, now: 7)
        #expect(done.runFinished?.outcome == .succeeded)
        #expect(done.runFinished?.jobs.map(\.jobID) == ids)
    }

    @Test func anUploadedBundleIsListedAfterItIsStored() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 4)])
        let (runID, submitted) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(),
                                                   plan: Plan(jobs: [Self.sharded("test", count: .fixed(8))]),
                                                   bundleAvailable: false, now: 0)
        #expect(submitted.last == .send(Fixture.client, .bundleRequest(BundleRequest(sha256: Fixture.sha))))
        #expect(core.bundleStored(sha256: Fixture.sha, now: 1).isEmpty)
        let listed = core.sourceFilesListed(runID: runID, files: Self.files, now: 2)
        // Eight requested, five files: five shards of one test each, four of them placed now.
        #expect(core.runs[runID]!.jobs.map(\.planned.shardTests) == Self.files.dropFirst().map { [$0] })
        #expect(listed.placed.count == 4)
        #expect(core.runs[runID]!.jobs.map(\.planned.displayName).last == "TEST (shard 5/5)")
    }

    @Test func autoCountUsesTheFreeMatchingSlotsAndRecordedTimings() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2), Fixture.hello("a2", capacity: 1),
                                         Fixture.hello("mac", labels: ["macos"], capacity: 8)])
        let keys = RecordingKeys()
        core.shardTimings = { key in
            keys.append(key)
            return ["tests/test_a.py": 400, "tests/test_b.py": 100, "tests/test_c.py": 100, "tests/test_d.py": 100]
        }
        #expect(core.freeMatchingSlots(["linux"]) == 3)
        let (runID, _) = core.submit([Self.sharded("test", count: .auto)])
        _ = core.sourceFilesListed(runID: runID, files: Self.files, now: 1)
        #expect(keys.all == ["ci.yml#test"])
        // 800 s predicted (test_e assumed at the 100 s median) wants 7 shards of 120 s; three linux slots are free.
        let shards = core.runs[runID]!.jobs.map(\.planned)
        #expect(shards.map(\.displayName) == ["TEST (shard 1/3)", "TEST (shard 2/3)", "TEST (shard 3/3)"])
        #expect(shards.map(\.shardTests) == [["tests/test_a.py"], ["tests/test_b.py", "tests/test_d.py"],
                                             ["tests/test_c.py", "tests/test_e.py"]])
        #expect(CoordinatorCore.timingKey(run: core.runs[runID]!, job: shards[2]) == "ci.yml#test")
        #expect(CoordinatorCore.timingKey(pipelineFileName: "./.github/ci.yml", jobID: "t") == ".github/ci.yml#t")
    }

    @Test func shardsThatCannotTravelFailTheJobAndTheRestRuns() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let long = (0..<200).map { "tests/\($0)-" + String(repeating: "x", count: 4_000) + ".py" }
        let (runID, _) = core.submit([Self.sharded("test", count: .fixed(1), .files(glob: "tests/*.py")), Fixture.job("lint")])
        let listed = core.sourceFilesListed(runID: runID, files: long, now: 1)
        let test = core.job(runID, "test")
        #expect(test?.state == .failed)
        #expect(test?.detail.hasPrefix("cannot split 200 tests into 1 shard: shard 1/1 has the test ids take") == true, "\(test?.detail ?? "")")
        #expect(test?.detail.hasSuffix("raise 'shard.count'") == true)
        #expect(listed.placed == ["1:lint"])

        // With `count: auto` the coordinator takes more shards until each fits.
        var auto = Fixture.core(agents: [Fixture.hello("a1", capacity: 1)])
        let (autoRun, _) = auto.submit([Self.sharded("test", count: .auto, .files(glob: "tests/*.py"))])
        _ = auto.sourceFilesListed(runID: autoRun, files: long, now: 1)
        #expect(auto.runs[autoRun]!.jobs.count == 2)
        #expect(auto.runs[autoRun]!.jobs.allSatisfy { JobAssignment.shardTestsProblem($0.planned.shardTests) == nil })
    }

    @Test func unreadableSourcesEndTheRunInError() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Self.sharded("test"), Fixture.job("lint")])
        let actions = core.sourceFilesUnavailable(runID: runID, reason: "truncated bundle", now: 1)
        #expect(actions.runFinished?.outcome == .error)
        #expect(core.job(runID, "lint")?.detail == "cannot list the source files for 'shard.files': truncated bundle")
        #expect(actions.placed.isEmpty)
    }

    @Test func listShardsRunADiscoveryJobFirstAndSplitOnItsOutput() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 3)])
        let list = ShardSpec.Source.list(command: "printf 't1\\nt2\\nt3\\nt4\\nt5\\n'")
        let (runID, submitted) = core.submit([Self.sharded("unit", list), Fixture.job("deploy", needs: ["unit"])])
        #expect(submitted.first == .send(Fixture.client, .runAccepted(RunAccepted(runID: runID, jobs: [
            PlannedJobSummary(jobID: "unit-discover", name: "UNIT (discover)"),
            PlannedJobSummary(jobID: "unit", name: "UNIT"),
            PlannedJobSummary(jobID: "deploy", name: "DEPLOY"),
        ]))))
        // Only the discovery job runs: the sharded job waits on it and is never placed itself.
        #expect(submitted.placed == ["1:unit-discover"])
        let discovery = submitted.assignments[0].1
        #expect(discovery.steps.map(\.run) == ["printf 't1\\nt2\\nt3\\nt4\\nt5\\n'"])
        #expect(discovery.steps.map(\.name) == ["discover tests"] && discovery.shardTests.isEmpty)
        #expect(core.job(runID, "unit")?.planned.needs == ["unit-discover"])

        // Standard output is the list; stderr and the agent's own lines are not.
        _ = core.received(Self.stdout(runID, "unit-discover", "step 1/1: discover tests\n", stream: .system), from: 1, now: 1)
        _ = core.received(Self.stdout(runID, "unit-discover", "t1\nt2\nt", sequence: 1), from: 1, now: 1)
        _ = core.received(Self.stdout(runID, "unit-discover", "warning: slow\n", sequence: 2, stream: .stderr), from: 1, now: 1)
        _ = core.received(Self.stdout(runID, "unit-discover", "3\r\nt4\n\n t5 \nt1\n", sequence: 3), from: 1, now: 1)
        let found = core.received(Fixture.finished(runID, "unit-discover", .success), from: 1, now: 2)
        #expect(found.first == Fixture.event(runID, "unit-discover", .succeeded, agent: "a1"))
        #expect(found.dropFirst().first == .send(Fixture.client, .runAccepted(RunAccepted(runID: runID, jobs: [
            PlannedJobSummary(jobID: "unit-discover", name: "UNIT (discover)"),
            PlannedJobSummary(jobID: "unit-shard-1-of-2", name: "UNIT (shard 1/2)"),
            PlannedJobSummary(jobID: "unit-shard-2-of-2", name: "UNIT (shard 2/2)"),
            PlannedJobSummary(jobID: "deploy", name: "DEPLOY"),
        ]))))
        #expect(found.placed == ["1:unit-shard-1-of-2", "1:unit-shard-2-of-2"])
        // Every listed id once (the repeated t1 is dropped), round-robin without timings.
        #expect(found.assignments.map(\.1.shardTests) == [["t1", "t3", "t5"], ["t2", "t4"]])
        let run = core.runs[runID]!
        #expect(run.jobs[1].planned.needs.isEmpty, "a shard does not need the finished discovery job")
        #expect(run.jobs[3].planned.needs == ["unit-shard-1-of-2", "unit-shard-2-of-2"])
        #expect(run.shardListOutputs.isEmpty)
        Self.expectFreshBookkeeping(run)

        _ = core.received(Fixture.finished(runID, "unit-shard-1-of-2", .success), from: 1, now: 3)
        #expect(core.received(Fixture.finished(runID, "unit-shard-2-of-2", .success), from: 1, now: 4).placed == ["1:deploy"])
        let done = core.received(Fixture.finished(runID, "deploy", .success), from: 1, now: 5)
        #expect(done.runFinished?.outcome == .succeeded)
        #expect(done.runFinished?.jobs.map(\.state) == [.succeeded, .succeeded, .succeeded, .succeeded])
    }

    @Test func aFailingDiscoveryFailsTheShardedJobClearly() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 2)])
        let (runID, _) = core.submit([Self.sharded("unit", .list(command: "exit 3")), Fixture.job("deploy", needs: ["unit"])])
        _ = core.received(.stepFinished(StepFinished(job: Fixture.ref(runID, "unit-discover"), stepIndex: 0, outcome: .failure,
                                                     exitCode: 3, durationMillis: 1)), from: 1, now: 1)
        let failed = core.received(Fixture.finished(runID, "unit-discover", .failure, exitCode: 3), from: 1, now: 2)
        let detail = "test discovery 'UNIT (discover)' failed: step 'discover tests' exited with 3"
        #expect(failed.jobEvents.map(\.jobID) == ["unit-discover", "unit", "deploy"])
        #expect(failed.jobEvents[1] == JobEvent(runID: runID, jobID: "unit", state: .failed, agentName: "", detail: detail))
        #expect(core.job(runID, "deploy")?.state == .skipped)
        #expect(failed.runFinished?.outcome == .failed)
        #expect(failed.placed.isEmpty)
    }

    @Test func aDiscoveryThatPrintsTooMuchFailsTheJob() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Self.sharded("unit", .list(command: "yes"))])
        let chunk = String(repeating: "t\n", count: LogChunk.maxDataBytes / 2)
        for sequence in 0...UInt64(ShardDiscovery.maxListOutputBytes / LogChunk.maxDataBytes) {
            _ = core.received(Self.stdout(runID, "unit-discover", chunk, sequence: sequence), from: 1, now: 1)
        }
        let finished = core.received(Fixture.finished(runID, "unit-discover", .success), from: 1, now: 2)
        #expect(core.job(runID, "unit")?.detail == "the 'shard.list' command printed more than 4194304 bytes of test ids")
        #expect(finished.runFinished?.outcome == .failed)
    }

    @Test func cancellingTheRunCancelsARunningDiscovery() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Self.sharded("unit", .list(command: "sleep 100"))])
        let cancelled = core.cancelRun(runID, reason: "user", now: 1)
        #expect(cancelled.cancels.map(\.1.job.jobID) == ["unit-discover"])
        #expect(cancelled.runFinished?.outcome == .cancelled)
    }

    @Test func failFastCancelsTheDiscoveryOfASiblingCombination() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 4)])
        var jobs = Fixture.matrix("m", count: 2)
        for i in jobs.indices { jobs[i].shard = ShardSpec(count: .fixed(2), source: .list(command: "ls")) }
        let (runID, submitted) = core.submit(jobs)
        #expect(submitted.placed == ["1:m-1-discover", "1:m-2-discover"])
        let failed = core.received(Fixture.finished(runID, "m-1-discover", .failure, exitCode: 1), from: 1, now: 1)
        // m-1 fails, fail-fast cancels m-2, and m-2's discovery is stopped with it.
        #expect(failed.cancels.map(\.1.job.jobID) == ["m-2-discover"])
        #expect(core.job(runID, "m-2")?.detail == "cancelled by fail-fast: 'm (1)' failed")
        #expect(core.job(runID, "m-2-discover")?.state == .cancelled)
    }

    @Test func eachMatrixCombinationIsShardedOnItsOwn() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 8)])
        var jobs = Fixture.matrix("m", count: 2)
        for i in jobs.indices { jobs[i].shard = ShardSpec(count: .fixed(2), source: .files(glob: "tests/*.py")) }
        jobs.append(Fixture.job("report", needs: ["m-1", "m-2"]))
        let (runID, _) = core.submit(jobs)
        let listed = core.sourceFilesListed(runID: runID, files: Self.files, now: 1)
        let run = core.runs[runID]!
        #expect(run.jobs.map(\.planned.displayName) == ["m (1) (shard 1/2)", "m (1) (shard 2/2)", "m (2) (shard 1/2)",
                                                        "m (2) (shard 2/2)", "REPORT"])
        #expect(run.jobs.prefix(4).allSatisfy { $0.planned.matrixGroup == "m" })
        #expect(run.jobs[4].planned.needs == ["m-1-shard-1-of-2", "m-1-shard-2-of-2", "m-2-shard-1-of-2", "m-2-shard-2-of-2"])
        #expect(listed.placed.count == 4)
        Self.expectFreshBookkeeping(run)
    }

    @Test func expandShardsReplacesAQueuedJobAndKeepsTheOthersState() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.job("build"), Fixture.job("test", needs: ["build"])])
        #expect(core.state(runID, "build") == .assigned)
        let shards = [Shard(index: 0, testIDs: ["x"], predictedSeconds: 1), Shard(index: 1, testIDs: ["y"], predictedSeconds: 1)]
        let actions = core.expandShards(runID: runID, shards: ["test": shards], now: 1)
        #expect(actions.count == 3 && actions.placed.isEmpty, "the client hears the new list; the slot is still taken")
        let run = core.runs[runID]!
        #expect(run.jobs.map(\.planned.id) == ["build", "test-shard-1-of-2", "test-shard-2-of-2"])
        #expect(run.jobs[0].state == .assigned && run.jobs[0].attempts == 1 && run.jobs[0].agentName == "a1")
        #expect(run.takeChangedJobsCopy() == [0, 1, 2])
        Self.expectFreshBookkeeping(run)
        let built = core.received(Fixture.finished(runID, "build", .success), from: 1, now: 2)
        #expect(built.placed == ["1:test-shard-1-of-2"])
    }
}

/// Keys the timing provider was asked for, from any thread.
final class RecordingKeys: Sendable {
    private let keys = Mutex<[String]>([])
    func append(_ key: String) { keys.withLock { $0.append(key) } }
    var all: [String] { keys.withLock { $0 } }
}

extension RunRecord {
    /// The changed-job journal without consuming it.
    func takeChangedJobsCopy() -> [Int] {
        var copy = self
        return copy.takeChangedJobs()
    }
}
