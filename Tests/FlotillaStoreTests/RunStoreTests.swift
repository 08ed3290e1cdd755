import FlotillaCore
@testable import FlotillaStore
import Testing
import WireProtocol

@Suite("Runs, jobs and attempts")
struct RunStoreTests {
    @Test func runAndPlannedJobsRoundTrip() throws {
        let fixture = try StoreFixture("runs")
        var run = Samples.run("r1", bundleAvailable: false)
        run.emergency = true
        run.pipelineText = "name: ci\njobs:\n  test:\n    runs-on: linux # ü\n"
        let jobs = [Samples.job("build"), Samples.job("test", needs: ["build"])]
        try fixture.store.insertRun(run, plan: Samples.plan(jobs))

        #expect(try fixture.store.run("r1") == run)
        #expect(try fixture.store.gates(ofRun: "r1") == Samples.gates)
        #expect(try fixture.store.gates(ofRun: "nope").isEmpty)
        let stored = try fixture.store.jobs(ofRun: "r1")
        #expect(stored.map(\.planned) == jobs)
        #expect(stored.map(\.position) == [0, 1])
        #expect(stored.allSatisfy { $0.state == .queued && $0.detail == "" && $0.runID == "r1" })
        #expect(try fixture.store.run("nope") == nil)
        #expect(try fixture.store.jobs(ofRun: "nope").isEmpty)
    }

    @Test func planCodingCoversEveryField() throws {
        // A field added to one of these types must be added to PlanCoding too; these counts
        // are here to fail when that was forgotten.
        let job = Samples.job("x")
        #expect(Mirror(reflecting: job).children.count == 20)
        #expect(Mirror(reflecting: job.benchmark!).children.count == 2)
        #expect(Mirror(reflecting: job.retry).children.count == 2)
        #expect(Mirror(reflecting: job.steps[0]).children.count == 9)
        #expect(Mirror(reflecting: job.matrix[0]).children.count == 3)
        #expect(Mirror(reflecting: job.artifacts[0]).children.count == 3)
        #expect(Mirror(reflecting: job.shard!).children.count == 2)
        #expect(Mirror(reflecting: job.shardMember!).children.count == 3)
        #expect(Mirror(reflecting: Samples.gates[0]).children.count == 4)

        var odd = job
        odd.matrix.append(MatrixEntry(axis: "odd", value: "NaN", typedValue: .number(.nan)))
        odd.matrix.append(MatrixEntry(axis: "big", value: "inf", typedValue: .number(-.infinity)))
        odd.shard = ShardSpec(count: .auto, source: .files(glob: "Tests/**/*.swift"))
        odd.shardMember = nil
        for variant in [job, odd, PlannedJob(id: "min", jobKey: "k", displayName: "k", runsOn: [], steps: [])] {
            #expect(try PlanCoding.decodeJob(PlanCoding.encode(variant), runID: "r", path: "/db") == variant)
        }
        #expect(try PlanCoding.decodeGates(PlanCoding.encode(Samples.gates), runID: "r", path: "/db") == Samples.gates)

        let error = try #require(throws: StoreError.self) {
            try PlanCoding.decodeJob(#"{"id": 1}"#, runID: "r9", path: "/db")
        }
        #expect(error.kind == .corrupt)
        #expect(error.message.contains("run r9"))
        let badGate = #expect(throws: StoreError.self) {
            try PlanCoding.decodeGates(#"[{"name":"g","rule":"vibes","blocking":true,"critical":true}]"#, runID: "r", path: "/db")
        }
        #expect(badGate?.message.contains("unknown gate rule 'vibes'") == true)
    }

    @Test func shardExpansionReplacesPlannedJobsKeepingProgress() throws {
        let fixture = try StoreFixture("runs")
        try Samples.insertRun(fixture.store, "r1")
        let build = JobRef(runID: "r1", jobID: "build", attempt: 1)
        try fixture.store.recordAssignment(build, agent: "a1", at: 1)
        var shard1 = Samples.job("test-shard-1-of-2", needs: ["build"])
        shard1.shardMember = ShardMember(parentID: "test", index: 0, count: 2)
        var shard2 = Samples.job("test-shard-2-of-2", needs: ["build"])
        shard2.shardMember = ShardMember(parentID: "test", index: 1, count: 2)
        var package = Samples.job("package", needs: ["test-shard-1-of-2", "test-shard-2-of-2"])
        package.displayName = "package"
        var buildJob = Samples.job("build")
        buildJob.shardTests = []

        try fixture.store.replacePlannedJobs(runID: "r1", jobs: [buildJob, shard1, shard2, package])
        let jobs = try fixture.store.jobs(ofRun: "r1")
        #expect(jobs.map(\.planned) == [buildJob, shard1, shard2, package])
        #expect(jobs.map(\.position) == [0, 1, 2, 3])
        #expect(jobs.map(\.state) == [.assigned, .queued, .queued, .queued], "build keeps its progress")
        #expect(try fixture.store.attempt(build)?.agentName == "a1")

        // A job that already ran cannot silently disappear, and a failed replacement changes nothing.
        let error = #expect(throws: StoreError.self) { try fixture.store.replacePlannedJobs(runID: "r1", jobs: [shard1]) }
        #expect(error?.kind == .constraint)
        #expect(try fixture.store.jobs(ofRun: "r1").map(\.planned.id) == ["build", "test-shard-1-of-2", "test-shard-2-of-2", "package"])
        let missing = #expect(throws: StoreError.self) { try fixture.store.replacePlannedJobs(runID: "nope", jobs: []) }
        #expect(missing?.kind == .notFound)
    }

    @Test func submissionIsAuditedAndDuplicateIDsAreRefused() throws {
        let fixture = try StoreFixture("runs")
        try Samples.insertRun(fixture.store, "r1")
        let audit = try fixture.store.auditLog(limit: 10)
        #expect(audit.count == 1)
        #expect(audit.first?.action == .submitted)
        #expect(audit.first?.actor == "ci-user")
        #expect(audit.first?.subject == "r1")
        #expect(audit.first?.detail == "ci.yml: 2 jobs")

        let error = try #require(throws: StoreError.self) { try Samples.insertRun(fixture.store, "r1") }
        #expect(error.kind == .constraint)
        #expect(try fixture.store.auditLog(limit: 10).count == 1, "the failed insert's audit line rolled back with it")

        let dup = #expect(throws: StoreError.self) {
            try fixture.store.insertRun(Samples.run("r2"), plan: Samples.plan([Samples.job("a"), Samples.job("a")]))
        }
        #expect(dup?.kind == .constraint)
        #expect(try fixture.store.run("r2") == nil, "no half-stored run")
    }

    @Test func runStatesAndFinishing() throws {
        let fixture = try StoreFixture("runs")
        try fixture.store.insertRun(Samples.run("r1", bundleAvailable: false), plan: Samples.plan([Samples.job("a")]))
        #expect(try fixture.store.run("r1")?.state == .waitingForBundle)
        try fixture.store.setRunState("r1", .active)
        #expect(try fixture.store.run("r1")?.state == .active)

        #expect(try fixture.store.finishRun("r1", outcome: .failed, at: 5000))
        #expect(try !fixture.store.finishRun("r1", outcome: .succeeded, at: 6000), "a second finish is a no-op")
        let run = try #require(try fixture.store.run("r1"))
        #expect(run.state == .finished && run.outcome == .failed && run.finishedAt == 5000)

        #expect(throws: StoreError.self) { try fixture.store.setRunState("r1", .active) }
        #expect(throws: StoreError.self) { try fixture.store.setRunState("r1", .finished) }
        let missing = #expect(throws: StoreError.self) { try fixture.store.finishRun("nope", outcome: .error, at: 1) }
        #expect(missing?.kind == .notFound)
    }

    @Test func runsAreListedNewestFirst() throws {
        let fixture = try StoreFixture("runs")
        for i in 1...5 { try Samples.insertRun(fixture.store, "r\(i)", at: Int64(i)) }
        #expect(try fixture.store.runs(limit: 3).map(\.id) == ["r5", "r4", "r3"])
        #expect(try fixture.store.runs(limit: 0).isEmpty)
    }

    @Test func jobStates() throws {
        let fixture = try StoreFixture("runs")
        try Samples.insertRun(fixture.store, "r1")
        try fixture.store.setJobState(runID: "r1", jobID: "test", .skipped, detail: "needs failed")
        let test = try fixture.store.jobs(ofRun: "r1")[1]
        #expect(test.state == .skipped && test.detail == "needs failed")
        let error = #expect(throws: StoreError.self) { try fixture.store.setJobState(runID: "r1", jobID: "x", .failed) }
        #expect(error?.kind == .notFound)
    }

    @Test func attemptLifecycleRoundTrips() throws {
        let fixture = try StoreFixture("runs")
        try Samples.insertRun(fixture.store, "r1")
        let ref = JobRef(runID: "r1", jobID: "build", attempt: 1)

        #expect(try fixture.store.recordAssignment(ref, agent: "a1", at: 100))
        #expect(try fixture.store.jobs(ofRun: "r1")[0].state == .assigned)
        #expect(try fixture.store.recordAttemptStarted(ref, at: 110))
        #expect(try !fixture.store.recordAttemptStarted(ref, at: 120), "started twice")
        #expect(try fixture.store.jobs(ofRun: "r1")[0].state == .running)
        #expect(try fixture.store.recordAttemptResult(ref, state: .failed, exitCode: 3, reason: "step 'Build' exited with 3",
                                                      at: 150, jobState: .failed))
        let expected = StoredAttempt(ref: ref, agentName: "a1", state: .failed, exitCode: 3, assignedAt: 100,
                                     startedAt: 110, finishedAt: 150, reason: "step 'Build' exited with 3")
        #expect(try fixture.store.attempt(ref) == expected)
        let job = try fixture.store.jobs(ofRun: "r1")[0]
        #expect(job.state == .failed && job.detail == "step 'Build' exited with 3")
    }

    @Test func resentResultsAndAssignmentsChangeNothing() throws {
        let fixture = try StoreFixture("runs")
        try Samples.insertRun(fixture.store, "r1")
        let first = JobRef(runID: "r1", jobID: "build", attempt: 1)
        try fixture.store.recordAssignment(first, agent: "a1", at: 100)
        #expect(try !fixture.store.recordAssignment(first, agent: "a2", at: 101))
        #expect(try fixture.store.attempt(first)?.agentName == "a1")

        // Agent lost: the attempt ends, the job goes back to the queue.
        #expect(try fixture.store.recordAttemptResult(first, state: .agentLost, exitCode: nil, reason: "agent 'a1' lost",
                                                      at: 200, jobState: .queued))
        // The agent comes back and resends a result for the same attempt: ignored, job untouched.
        #expect(try !fixture.store.recordAttemptResult(first, state: .succeeded, exitCode: 0, at: 300, jobState: .succeeded))
        #expect(try fixture.store.attempt(first)?.state == .agentLost)
        #expect(try fixture.store.attempt(first)?.exitCode == nil)
        #expect(try fixture.store.jobs(ofRun: "r1")[0].state == .queued)

        let second = JobRef(runID: "r1", jobID: "build", attempt: 2)
        try fixture.store.recordAssignment(second, agent: "a2", at: 400)
        try fixture.store.recordAttemptResult(second, state: .succeeded, exitCode: 0, at: 500, jobState: .succeeded)
        try fixture.store.recordAssignment(JobRef(runID: "r1", jobID: "test", attempt: 1), agent: "a2", at: 600)
        let attempts = try fixture.store.attempts(ofRun: "r1")
        #expect(attempts.map { "\($0.ref.jobID)#\($0.ref.attempt) \($0.state)" }
                == ["build#1 agentLost", "build#2 succeeded", "test#1 assigned"])
    }

    @Test func attemptsNeedAKnownJobAndAssignment() throws {
        let fixture = try StoreFixture("runs")
        try Samples.insertRun(fixture.store, "r1")
        let unknownJob = #expect(throws: StoreError.self) {
            try fixture.store.recordAssignment(JobRef(runID: "r1", jobID: "nope", attempt: 1), agent: "a", at: 1)
        }
        #expect(unknownJob?.kind == .notFound)
        let unassigned = #expect(throws: StoreError.self) {
            try fixture.store.recordAttemptResult(JobRef(runID: "r1", jobID: "build", attempt: 1), state: .failed,
                                                  exitCode: 1, at: 1)
        }
        #expect(unassigned?.kind == .notFound)
        #expect(unassigned?.message.contains("record its assignment first") == true)
    }

    @Test func unfinishedRunsCarryWhatARestartNeeds() throws {
        let fixture = try StoreFixture("runs")
        try Samples.insertRun(fixture.store, "done", at: 1)
        try Samples.insertRun(fixture.store, "busy", at: 2)
        try fixture.store.insertRun(Samples.run("waiting", at: 3, bundleAvailable: false), plan: Samples.plan([Samples.job("only")]))
        try fixture.store.finishRun("done", outcome: .succeeded, at: 10)
        let ref = JobRef(runID: "busy", jobID: "build", attempt: 1)
        try fixture.store.recordAssignment(ref, agent: "a1", at: 20)
        try fixture.store.recordAttemptStarted(ref, at: 21)
        fixture.store.close()

        let reopened = try fixture.reopen()
        let recovered = try reopened.unfinishedRuns()
        #expect(recovered.map(\.run.id) == ["busy", "waiting"])
        #expect(recovered[0].run == Samples.run("busy", at: 2))
        #expect(recovered[0].jobs.map(\.planned) == [Samples.job("build"), Samples.job("test", needs: ["build"])])
        #expect(recovered[0].jobs.map(\.state) == [.running, .queued])
        #expect(recovered[0].attempts == [StoredAttempt(ref: ref, agentName: "a1", state: .running, assignedAt: 20, startedAt: 21)])
        #expect(recovered[0].gates == Samples.gates)
        #expect(recovered[1].run.state == .waitingForBundle)
        #expect(recovered[1].attempts.isEmpty)
    }

    @Test func externalTransactionIsAllOrNothing() throws {
        struct Refused: Error {}
        let fixture = try StoreFixture("runs")
        try Samples.insertRun(fixture.store, "r1")
        let ref = JobRef(runID: "r1", jobID: "build", attempt: 1)
        try fixture.store.recordAssignment(ref, agent: "a1", at: 1)
        #expect(throws: Refused.self) {
            try fixture.store.transaction {
                try fixture.store.recordAttemptResult(ref, state: .succeeded, exitCode: 0, at: 2, jobState: .succeeded)
                try fixture.store.finishRun("r1", outcome: .succeeded, at: 2)
                throw Refused()
            }
        }
        #expect(try fixture.store.attempt(ref)?.state == .assigned)
        #expect(try fixture.store.run("r1")?.state == .active)

        try fixture.store.transaction {
            try fixture.store.recordAttemptResult(ref, state: .succeeded, exitCode: 0, at: 2, jobState: .succeeded)
            try fixture.store.finishRun("r1", outcome: .succeeded, at: 2)
        }
        #expect(try fixture.store.attempt(ref)?.state == .succeeded)
        #expect(try fixture.store.run("r1")?.outcome == .succeeded)
    }
}
