import Testing
import FlotillaCore
import FlotillaCoordinator
import WireProtocol

@Suite("Coordinator core: agent reports")
struct AgentMessageTests {
    /// The run id of the only run `twoJobs()` submits.
    private let runID = "t-1"

    /// Two agents, one job placed on each: `a` on connection 1, `b` on connection 2.
    private func twoJobs() -> CoordinatorCore {
        var core = Fixture.core(agents: [Fixture.hello("a1"), Fixture.hello("a2")])
        let (id, actions) = core.submit([Fixture.job("a"), Fixture.job("b")])
        precondition(id == runID && actions.placed == ["1:a", "2:b"])
        return core
    }

    @Test func progressIsForwardedToTheRunsClient() {
        var core = twoJobs()
        let ref = Fixture.ref(runID, "a")
        #expect(core.received(Fixture.started(runID, "a"), from: 1, now: 5) == [Fixture.event(runID, "a", .running, agent: "a1")])
        #expect(core.job(runID, "a")?.startedAt == 5)

        let stepStarted = StepStarted(job: ref, stepIndex: 0)
        #expect(core.received(.stepStarted(stepStarted), from: 1, now: 6) == [.send(Fixture.client, .stepStarted(stepStarted))])
        let chunk = LogChunk(job: ref, sequence: 0, stepIndex: 0, stream: .stdout, data: Array("hello\n".utf8))
        #expect(core.received(.logChunk(chunk), from: 1, now: 7) == [.send(Fixture.client, .logChunk(chunk))])
        let stepFinished = StepFinished(job: ref, stepIndex: 0, outcome: .success, exitCode: 0, durationMillis: 2)
        #expect(core.received(.stepFinished(stepFinished), from: 1, now: 8) == [.send(Fixture.client, .stepFinished(stepFinished))])
        #expect(core.job(runID, "a")?.detail == "")
    }

    @Test func progressOfAClientlessRunGoesNowhere() {
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (runID, _) = core.submit([Fixture.job("a")], client: nil)
        let ref = Fixture.ref(runID, "a")
        #expect(core.received(Fixture.started(runID, "a"), from: 1, now: 1) == [])
        #expect(core.received(.logChunk(LogChunk(job: ref, sequence: 0, stepIndex: 0, stream: .stderr, data: [1])),
                              from: 1, now: 2) == [])
        #expect(core.received(Fixture.finished(runID, "a", .success), from: 1, now: 3) == [])
        #expect(core.runs[runID]?.phase == .finished(.succeeded))
    }

    @Test func messagesFromUnknownConnectionsAreIgnored() {
        var core = twoJobs()
        let before = core.runs
        let ref = Fixture.ref(runID, "a")
        for message: Message in [
            Fixture.started(runID, "a"), Fixture.finished(runID, "a", .failure),
            .stepStarted(StepStarted(job: ref, stepIndex: 0)),
            .stepFinished(StepFinished(job: ref, stepIndex: 0, outcome: .failure, exitCode: 1, durationMillis: 1)),
            .logChunk(LogChunk(job: ref, sequence: 0, stepIndex: 0, stream: .stdout, data: [65])),
            .submitRun(Fixture.submit()),
        ] {
            #expect(core.received(message, from: 77, now: 9) == [], "\(message.messageType)")
            // A client connection is not an agent either.
            #expect(core.received(message, from: Fixture.client, now: 9) == [], "\(message.messageType)")
        }
        #expect(core.runs == before)
    }

    @Test func reportsForJobsOnAnotherAgentAreIgnored() {
        var core = twoJobs()
        let before = core.runs
        let ref = Fixture.ref(runID, "b") // placed on connection 2
        #expect(core.received(Fixture.started(runID, "b"), from: 1, now: 1) == [])
        #expect(core.received(.stepStarted(StepStarted(job: ref, stepIndex: 0)), from: 1, now: 1) == [])
        #expect(core.received(.stepFinished(StepFinished(job: ref, stepIndex: 0, outcome: .failure, exitCode: 1,
                                                         durationMillis: 1)), from: 1, now: 1) == [])
        #expect(core.received(.logChunk(LogChunk(job: ref, sequence: 0, stepIndex: 0, stream: .stdout, data: [65])),
                              from: 1, now: 1) == [])
        #expect(core.received(Fixture.finished(runID, "b", .failure), from: 1, now: 1) == [])
        #expect(core.runs == before)
    }

    @Test func reportsForStaleOrUnknownAttemptsAreIgnored() {
        var core = twoJobs()
        let before = core.runs
        let stale = Fixture.ref(runID, "a", attempt: 2)
        #expect(core.received(Fixture.started(runID, "a", attempt: 2), from: 1, now: 1) == [])
        #expect(core.received(.stepStarted(StepStarted(job: stale, stepIndex: 0)), from: 1, now: 1) == [])
        #expect(core.received(.stepFinished(StepFinished(job: stale, stepIndex: 0, outcome: .failure, exitCode: 1,
                                                         durationMillis: 1)), from: 1, now: 1) == [])
        #expect(core.received(.logChunk(LogChunk(job: stale, sequence: 0, stepIndex: 0, stream: .stdout, data: [65])),
                              from: 1, now: 1) == [])
        #expect(core.received(Fixture.finished(runID, "a", .success, attempt: 2), from: 1, now: 1) == [])
        #expect(core.received(Fixture.finished("t-99", "a", .success), from: 1, now: 1) == [])
        #expect(core.received(Fixture.finished(runID, "nope", .success), from: 1, now: 1) == [])
        #expect(core.runs == before)
    }

    @Test func reportsAfterTheJobEndedAreIgnored() {
        var core = twoJobs()
        _ = core.received(Fixture.finished(runID, "a", .success), from: 1, now: 1)
        let ref = Fixture.ref(runID, "a")
        #expect(core.received(Fixture.finished(runID, "a", .failure), from: 1, now: 2) == [])
        #expect(core.received(Fixture.started(runID, "a"), from: 1, now: 2) == [])
        #expect(core.received(.logChunk(LogChunk(job: ref, sequence: 9, stepIndex: 0, stream: .stdout, data: [65])),
                              from: 1, now: 2) == [])
        #expect(core.received(.stepStarted(StepStarted(job: ref, stepIndex: 1)), from: 1, now: 2) == [])
        #expect(core.state(runID, "a") == .succeeded)
    }

    @Test func agentSendingAClientOnlyMessageIsClosed() {
        var core = twoJobs()
        let cases: [(Message, String)] = [
            (.submitRun(Fixture.submit()), "submitRun"),
            (.bundleChunk(BundleChunk(sha256: Fixture.sha, offset: 0, data: [], isLast: true)), "bundleChunk"),
            (.runFinished(RunFinished(runID: runID, outcome: .succeeded, jobs: [])), "runFinished"),
            (.cancelJob(CancelJob(job: Fixture.ref(runID, "a"), reason: "")), "cancelJob"),
        ]
        for (message, name) in cases {
            #expect(core.received(message, from: 1, now: 1) == [
                .close(1, ProtocolErrorMessage(code: .unexpectedMessage, message: "agents may not send \(name)")),
            ])
        }
        #expect(core.state(runID, "a") == .assigned)
    }

    @Test func skippedAndCancelledOutcomesFromTheAgentMapToJobStates() {
        var core = twoJobs()
        let skipped = core.received(Fixture.finished(runID, "a", .skipped), from: 1, now: 1)
        #expect(skipped == [Fixture.event(runID, "a", .skipped, agent: "a1")])
        let cancelled = core.received(Fixture.finished(runID, "b", .cancelled), from: 2, now: 2)
        #expect(cancelled.jobEvents == [JobEvent(runID: runID, jobID: "b", state: .cancelled, agentName: "a2", detail: "")])
        #expect(cancelled.runFinished?.outcome == .cancelled)
    }
}
