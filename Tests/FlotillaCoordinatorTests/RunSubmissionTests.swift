import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: submitting runs and placing jobs")
struct RunSubmissionTests {
    @Test func missingBundleIsRequestedAndNothingIsAssignedUntilStored() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 4)])
        let plan = Plan(jobs: [Fixture.job("build"), Fixture.job("lint")])
        let (runID, actions) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(), plan: plan,
                                                 bundleAvailable: false, now: 10)
        #expect(runID == "t-1")
        #expect(actions == [
            .send(Fixture.client, .runAccepted(RunAccepted(runID: "t-1", jobs: [
                PlannedJobSummary(jobID: "build", name: "BUILD"), PlannedJobSummary(jobID: "lint", name: "LINT"),
            ]))),
            Fixture.event("t-1", "build", .queued),
            Fixture.event("t-1", "lint", .queued),
            .send(Fixture.client, .bundleRequest(BundleRequest(sha256: Fixture.sha))),
        ])
        #expect(core.runs[runID]?.phase == .waitingForBundle)

        // New capacity or other bundles do not start a run whose bundle is missing.
        #expect(core.agentRegistered(2, hello: Fixture.hello("a2", capacity: 4), now: 11) == [])
        #expect(core.bundleStored(sha256: "0000", now: 12) == [])
        #expect(core.state(runID, "build") == .queued)

        let stored = core.bundleStored(sha256: Fixture.sha, now: 13)
        #expect(core.runs[runID]?.phase == .active)
        // Most free slots first, ties by name: a1 and a2 both have 4, then a2 has more.
        #expect(stored == Fixture.placed(1, runID, "build", agent: "a1") + Fixture.placed(2, runID, "lint", agent: "a2"))
        #expect(core.bundleStored(sha256: Fixture.sha, now: 14) == [])
    }

    @Test func storedBundleStartsEveryRunWaitingOnIt() {
        var core = Fixture.core(agents: [Fixture.hello("a1", capacity: 4)])
        core.clientRegistered(101)
        let (first, _) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(), plan: Plan(jobs: [Fixture.job("a")]),
                                           bundleAvailable: false, now: 0)
        let (second, _) = core.runSubmitted(by: 101, submit: Fixture.submit(), plan: Plan(jobs: [Fixture.job("b")]),
                                            bundleAvailable: false, now: 0)
        let (other, _) = core.runSubmitted(by: 101, submit: Fixture.submit(sha: "ffff"), plan: Plan(jobs: [Fixture.job("c")]),
                                           bundleAvailable: false, now: 0)
        let actions = core.bundleStored(sha256: Fixture.sha, now: 5)
        #expect(actions == Fixture.placed(1, first, "a", agent: "a1") + [
            .send(1, .assignJob(Fixture.assignment(second, "b"))),
            .send(101, .jobEvent(JobEvent(runID: second, jobID: "b", state: .assigned, agentName: "a1", detail: ""))),
        ])
        #expect(core.runs[other]?.phase == .waitingForBundle)
    }

    @Test func availableBundlePlacesAtOnceWithoutARequest() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, actions) = core.submit([Fixture.job("only")], now: 3)
        #expect(actions == [
            .send(Fixture.client, .runAccepted(RunAccepted(runID: runID, jobs: [PlannedJobSummary(jobID: "only", name: "ONLY")]))),
            Fixture.event(runID, "only", .queued),
        ] + Fixture.placed(1, runID, "only", agent: "a1"))
        #expect(core.runOrder == [runID])
    }

    @Test func runIDsAreUniqueAndCarryThePrefix() {
        var core = CoordinatorCore(runIDPrefix: "boot7")
        let first = core.runSubmitted(by: nil, submit: Fixture.submit(), plan: Plan(jobs: [Fixture.job("a")]),
                                      bundleAvailable: true, now: 0)
        let second = core.runSubmitted(by: nil, submit: Fixture.submit(), plan: Plan(jobs: [Fixture.job("a")]),
                                       bundleAvailable: false, now: 0)
        #expect(first.0 == "boot7-1")
        #expect(second.0 == "boot7-2")
        // Without a client there is nobody to tell, and nobody to ask for the bundle.
        #expect(first.1 == [])
        #expect(second.1 == [])
    }

    @Test func assignmentCarriesEnvStepsAndTimeouts() throws {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let planned = PlannedJob(
            id: "test-linux", jobKey: "test", displayName: "test (linux)", runsOn: ["linux"],
            env: [EnvPair(name: "CI", value: "true"), EnvPair(name: "MODE", value: "release")],
            timeoutMillis: 900_000,
            steps: [
                PlannedStep(id: "build", name: "Build", run: "make -j8", shell: "bash",
                            env: [EnvPair(name: "CC", value: "clang")], workingDirectory: "src", timeoutMillis: 60_000),
                PlannedStep(name: "Flaky", condition: "steps.build.outcome == 'success'", run: "./flaky.sh",
                            shell: "sh", continueOnError: true),
                PlannedStep(name: "Report", condition: "always()", run: "cat report.txt"),
            ])
        let (runID, actions) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(sha: "ab12", size: 77),
                                                 plan: Plan(jobs: [planned]), bundleAvailable: true, now: 0)
        let (connection, assignment) = try #require(actions.assignments.first)
        #expect(connection == 1)
        #expect(assignment == JobAssignment(
            job: JobRef(runID: runID, jobID: "test-linux", attempt: 1), name: "test (linux)",
            bundleSHA256: "ab12", bundleSize: 77,
            env: [EnvVar(name: "CI", value: "true"), EnvVar(name: "MODE", value: "release")],
            steps: [
                StepSpec(id: "build", name: "Build", condition: "", run: "make -j8", shell: .bash,
                         env: [EnvVar(name: "CC", value: "clang")], workingDirectory: "src", timeoutMillis: 60_000),
                StepSpec(name: "Flaky", condition: "steps.build.outcome == 'success'", run: "./flaky.sh", shell: .sh,
                         continueOnError: true),
                StepSpec(name: "Report", condition: "always()", run: "cat report.txt", shell: .bash),
            ],
            timeoutMillis: 900_000))
    }

    @Test func assignmentFromALoadedPipeline() throws {
        let yaml = """
        env:
          GLOBAL: g
        jobs:
          unit:
            runs-on: [linux, x64]
            timeout-minutes: 5
            env:
              LEVEL: job
            steps:
              - id: compile
                name: Compile
                run: make
                timeout-minutes: 2
              - name: Tests
                shell: sh
                continue-on-error: true
                run: make check
              - name: Always
                if: ${{ always() }}
                run: echo done
        """
        let plan = try Planner.plan(try PipelineLoader.load(text: yaml, fileName: "ci.yml"))
        var core = Fixture.core(agents: [Fixture.hello("small", labels: ["linux"], capacity: 4),
                                         Fixture.hello("big", labels: ["linux", "x64"], capacity: 1)])
        let (_, actions) = core.runSubmitted(by: Fixture.client, submit: Fixture.submit(), plan: plan,
                                             bundleAvailable: true, now: 0)
        #expect(actions.assignments.count == 1)
        let (connection, assignment) = try #require(actions.assignments.first)
        #expect(connection == 2, "only 'big' carries both labels")
        #expect(assignment.name == "unit")
        #expect(assignment.timeoutMillis == 5 * 60_000)
        #expect(assignment.env == [EnvVar(name: "GLOBAL", value: "g"), EnvVar(name: "LEVEL", value: "job")])
        #expect(assignment.steps.map(\.id) == ["compile", "", ""])
        #expect(assignment.steps.map(\.name) == ["Compile", "Tests", "Always"])
        #expect(assignment.steps.map(\.shell) == [.bash, .sh, .bash])
        #expect(assignment.steps.map(\.timeoutMillis) == [2 * 60_000, 0, 0])
        #expect(assignment.steps.map(\.continueOnError) == [false, true, false])
        #expect(assignment.steps[2].condition.contains("always()"))
        #expect(!assignment.steps[2].condition.contains("${{"))
    }

    @Test func placementRespectsLabelsAndCapacity() {
        var core = Fixture.core(agents: [Fixture.hello("a1", labels: ["linux"], capacity: 1),
                                         Fixture.hello("a2", labels: ["linux", "gpu"], capacity: 2)])
        let (runID, actions) = core.submit([Fixture.job("g", runsOn: ["gpu"]), Fixture.job("l1"),
                                            Fixture.job("l2"), Fixture.job("l3")])
        // g can only go to a2; l1 goes to a1 (tie on one free slot, name order); l2 fills a2.
        #expect(actions.placed == ["2:g", "1:l1", "2:l2"])
        #expect(core.state(runID, "l3") == .queued)
        #expect(core.agents[1]?.running.count == 1)
        #expect(core.agents[2]?.running.count == 2)

        // A finished job frees exactly one slot, which the queued job takes.
        let freed = core.received(Fixture.finished(runID, "l1", .success), from: 1, now: 5)
        #expect(freed == [Fixture.event(runID, "l1", .succeeded, agent: "a1")]
                + Fixture.placed(1, runID, "l3", agent: "a1"))
        #expect(core.agents[1]?.running == [Fixture.ref(runID, "l3")])
    }

    @Test func longestDependentChainStartsFirst() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        // chain lengths: leaf 1, head 3 (head → mid → tail), mid 2, tail 1.
        let (runID, actions) = core.submit([Fixture.job("leaf"), Fixture.job("head"),
                                            Fixture.job("mid", needs: ["head"]), Fixture.job("tail", needs: ["mid"])])
        #expect(actions.placed == ["1:head"])
        #expect(core.job(runID, "head")?.chainLength == 3)
        #expect(core.job(runID, "mid")?.chainLength == 2)
        #expect(core.job(runID, "leaf")?.chainLength == 1)
        // With head done, mid (chain 2) beats leaf (chain 1).
        let next = core.received(Fixture.finished(runID, "head", .success), from: 1, now: 1)
        #expect(next.placed == ["1:mid"])
    }

    @Test func mostFreeAgentIsChosen() {
        var core = Fixture.core(agents: [Fixture.hello("a", capacity: 1), Fixture.hello("b", capacity: 3),
                                         Fixture.hello("c", capacity: 2)])
        let (_, actions) = core.submit([Fixture.job("x")])
        #expect(actions.placed == ["2:x"])
    }

    @Test func runsShareTheFleetOneJobEach() {
        var core = Fixture.core()
        let (first, _) = core.submit((0..<10).map { Fixture.job("a\($0)") })
        let (second, _) = core.submit((0..<10).map { Fixture.job("b\($0)") })
        let actions = core.agentRegistered(1, hello: Fixture.hello("a1", capacity: 2), now: 1)
        #expect(actions == Fixture.placed(1, first, "a0", agent: "a1") + Fixture.placed(1, second, "b0", agent: "a1"))
    }

    @Test func runsTakeTurnsAsSlotsFreeOneAtATime() {
        // With one slot freed at a time, the older run must not get every slot until it is done.
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (first, placedFirst) = core.submit([Fixture.job("a"), Fixture.job("b"), Fixture.job("c")])
        let (second, placedSecond) = core.submit([Fixture.job("x"), Fixture.job("y")])
        #expect(placedFirst.placed == ["1:a"])
        #expect(placedSecond.placed == [])
        let afterA = core.received(Fixture.finished(first, "a", .success), from: 1, now: 1)
        #expect(afterA.assignments.map { "\($0.1.job.runID)/\($0.1.job.jobID)" } == ["\(second)/x"])
        let afterX = core.received(Fixture.finished(second, "x", .success), from: 1, now: 2)
        #expect(afterX.assignments.map { "\($0.1.job.runID)/\($0.1.job.jobID)" } == ["\(first)/b"])
        let afterB = core.received(Fixture.finished(first, "b", .success), from: 1, now: 3)
        #expect(afterB.assignments.map { "\($0.1.job.runID)/\($0.1.job.jobID)" } == ["\(second)/y"])
    }

    @Test func emergencyRunsGoFirst() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (first, placed) = core.submit([Fixture.job("a"), Fixture.job("b")])
        #expect(placed.placed == ["1:a"])
        var urgent = Fixture.submit()
        urgent.emergency = true
        let (hotfix, queued) = core.runSubmitted(by: Fixture.client, submit: urgent, plan: Plan(jobs: [Fixture.job("fix"), Fixture.job("check")]),
                                                 bundleAvailable: true, now: 1)
        #expect(queued.assignments.isEmpty, "the only slot is busy")
        // Every freed slot goes to the emergency run until it has nothing left to place.
        let afterA = core.received(Fixture.finished(first, "a", .success), from: 1, now: 2)
        #expect(afterA.assignments.map { $0.1.job.runID } == [hotfix])
        let afterFix = core.received(Fixture.finished(hotfix, "fix", .success), from: 1, now: 3)
        #expect(afterFix.assignments.map { "\($0.1.job.runID)/\($0.1.job.jobID)" } == ["\(hotfix)/check"])
        let afterCheck = core.received(Fixture.finished(hotfix, "check", .success), from: 1, now: 4)
        #expect(afterCheck.assignments.map { "\($0.1.job.runID)/\($0.1.job.jobID)" } == ["\(first)/b"])
    }
}
