import Testing
@testable import FlotillaAgent
import WireProtocol

@Suite("Agent outbox: what is owed to the coordinator across a lost connection")
struct AgentOutboxTests {
    private let job = JobRef(runID: "r-1", jobID: "build", attempt: 2)

    private func result(_ jobID: String) -> Message {
        .jobFinished(JobFinished(job: JobRef(runID: "r-1", jobID: jobID, attempt: 1), outcome: .success, exitCode: 0,
                                 durationMillis: 5))
    }

    @Test func eventsHeldWhileDisconnectedGoOutInOrder() {
        var outbox = AgentOutbox()
        let events: [Message] = [
            .stepStarted(StepStarted(job: job, stepIndex: 0)),
            .logChunk(LogChunk(job: job, sequence: 1, stepIndex: 0, stream: .stdout, data: Array("hi\n".utf8))),
            .jobFinished(JobFinished(job: job, outcome: .success, exitCode: 0, durationMillis: 9)),
        ]
        for event in events { outbox.hold(event) }
        #expect(outbox.heldResults == [job])
        #expect(outbox.takeHeld() == events)
        #expect(outbox.takeHeld().isEmpty)
        #expect(outbox.heldResults.isEmpty)
    }

    @Test func resultsSentJustBeforeALossAreResentFirst() {
        var outbox = AgentOutbox(retentionMillis: 1_000)
        outbox.sent(result("old"), now: 0)
        outbox.sent(result("recent"), now: 1_500)
        outbox.hold(.logChunk(LogChunk(job: job, sequence: 3, stepIndex: 0, stream: .stdout, data: [0x41])))
        // "old" went out 1.8 s before the loss on a connection that stayed up: it was processed.
        outbox.connectionLost(now: 1_800)
        let held = outbox.takeHeld()
        #expect(held.count == 2)
        #expect(held.first == result("recent"))
    }

    @Test func logBytesBeyondTheBoundAreDroppedAndCountedButResultsNever() {
        var outbox = AgentOutbox(maxLogBytes: 10)
        outbox.hold(.logChunk(LogChunk(job: job, sequence: 1, stepIndex: 0, stream: .stdout, data: [UInt8](repeating: 1, count: 8))))
        outbox.hold(.logChunk(LogChunk(job: job, sequence: 2, stepIndex: 0, stream: .stdout, data: [UInt8](repeating: 2, count: 8))))
        outbox.hold(.jobFinished(JobFinished(job: job, outcome: .failure, exitCode: 1, durationMillis: 1)))
        #expect(outbox.droppedLogBytes == [job: 8])
        let held = outbox.takeHeld()
        #expect(held.count == 2)
        #expect(outbox.droppedLogBytes.isEmpty)
        // The bound is per outage: after a flush there is room again.
        outbox.hold(.logChunk(LogChunk(job: job, sequence: 3, stepIndex: 0, stream: .stdout, data: [UInt8](repeating: 3, count: 8))))
        #expect(outbox.takeHeld().count == 1)
    }
}
