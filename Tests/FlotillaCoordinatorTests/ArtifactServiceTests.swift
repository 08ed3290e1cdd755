import FlotillaCore
import FlotillaTLS
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaCoordinator

/// The coordinator's upload handling against a real core: who may upload, what the agent and
/// the run's client are told.
@Suite("Artifact service")
struct ArtifactServiceTests {
    private let directory: TemporaryDirectory
    private let service: ArtifactService
    private let core: CoordinatorCore
    private let runID: String
    private let ref: JobRef
    private static let agent: ConnectionID = 1

    init() throws {
        directory = try TemporaryDirectory(prefix: "flotilla-service")
        service = try ArtifactService(stateDirectory: directory.path,
                                      logger: Logger(label: "test", level: .debug, sink: RecordingLogSink()))
        var core = Fixture.core(agents: [Fixture.hello("a1")])
        let (id, actions) = core.submit([Fixture.job("build")])
        runID = id
        service.runAccepted(id)
        ref = actions.assignments[0].1.job
        _ = core.received(Fixture.started(id, "build"), from: Self.agent, now: 1)
        self.core = core
    }

    private func upload(_ bytes: [UInt8], id: UInt32 = 0, name: String = "junit.xml", job: JobRef? = nil,
                        from agent: ConnectionID = ArtifactServiceTests.agent, core: CoordinatorCore? = nil) -> [CoordinatorAction] {
        let job = job ?? ref
        let core = core ?? self.core
        var actions = service.agentMessage(.artifactBegin(ArtifactBegin(job: job, artifactID: id, name: name,
                                                                        relativePath: "out/" + name, kind: .junit,
                                                                        size: UInt64(bytes.count))),
                                           from: agent, core: core)
        actions += service.agentMessage(.artifactChunk(ArtifactChunk(job: job, artifactID: id, offset: 0, data: bytes)),
                                        from: agent, core: core)
        actions += service.agentMessage(.artifactEnd(ArtifactEnd(job: job, artifactID: id, sha256: SHA256Hasher.hash(bytes))),
                                        from: agent, core: core)
        return actions
    }

    @Test("a stored upload is acked to the agent, announced to the client and recorded for the run")
    func storedUpload() throws {
        let bytes = Array("<testsuite/>".utf8)
        let sha = SHA256Hasher.hash(bytes)
        let record = ArtifactSummary(name: "junit.xml", jobID: "build", relativePath: "out/junit.xml", kind: .junit,
                                     size: UInt64(bytes.count), sha256: sha)
        #expect(upload(bytes) == [
            .send(Self.agent, .artifactAck(ArtifactAck(job: ref, artifactID: 0, status: .stored, message: "stored as junit.xml"))),
            .send(Fixture.client, .artifactStored(ArtifactStored(runID: runID, record: record))),
        ])
        // The same file uploaded again (an agent starting over after a reconnect) is recorded once.
        let again = upload(bytes, id: 1)
        #expect(again.first == .send(Self.agent, .artifactAck(ArtifactAck(job: ref, artifactID: 1, status: .stored,
                                                                           message: "stored as junit.xml"))))
        #expect(try service.catalog.artifacts(ofRun: runID)?.map(\.name) == ["junit.xml"])
        // Other content under the same name gets a suffix; identical content is stored once on disk.
        let changed = Array("<testsuite name='b'/>".utf8)
        let second = upload(changed, id: 2)
        #expect(second.first == .send(Self.agent, .artifactAck(ArtifactAck(job: ref, artifactID: 2, status: .stored,
                                                                            message: "stored as junit-2.xml"))))
        #expect(try service.catalog.artifacts(ofRun: runID)?.map(\.name) == ["junit.xml", "junit-2.xml"])
        let changedSHA = SHA256Hasher.hash(changed)
        #expect(filesBelow(directory.file("artifacts/sha256")).sorted()
            == ["\(sha.prefix(2))/\(sha)", "\(changedSHA.prefix(2))/\(changedSHA)"].sorted())
    }

    @Test("uploads for a job that is not running there are rejected, and the client is told")
    func notRunning() throws {
        let stranger = JobRef(runID: runID, jobID: "build", attempt: 9)
        let actions = upload([1, 2, 3], job: stranger)
        #expect(actions.count == 2)
        guard case .send(Self.agent, .artifactAck(let ack)) = actions[0],
              case .send(Fixture.client, .artifactRefused(let refused)) = actions[1] else {
            Issue.record("unexpected actions \(actions)")
            return
        }
        #expect(ack.status == .rejected)
        #expect(ack.message.contains("not running on this agent"))
        #expect(refused.path == "out/junit.xml")
        #expect(refused.reason.hasPrefix("rejected by the coordinator: "))
        #expect(try service.catalog.artifacts(ofRun: runID) == [])
    }

    @Test("a corrupted transfer is answered retry, then the client hears of the second failure")
    func corruptTwice() throws {
        func corrupt(_ id: UInt32) -> [CoordinatorAction] {
            var actions = service.agentMessage(.artifactBegin(ArtifactBegin(job: ref, artifactID: id, name: "c.bin",
                                                                            relativePath: "c.bin", kind: .file, size: 2)),
                                               from: Self.agent, core: core)
            actions += service.agentMessage(.artifactChunk(ArtifactChunk(job: ref, artifactID: id, offset: 0, data: [1, 3])),
                                            from: Self.agent, core: core)
            actions += service.agentMessage(.artifactEnd(ArtifactEnd(job: ref, artifactID: id,
                                                                     sha256: SHA256Hasher.hash([1, 2]))),
                                            from: Self.agent, core: core)
            return actions
        }
        let first = corrupt(4)
        guard case .send(Self.agent, .artifactAck(let retry)) = first.first, first.count == 1 else {
            Issue.record("\(first)")
            return
        }
        #expect(retry.status == .retry)
        let second = corrupt(4)
        guard second.count == 2, case .send(Self.agent, .artifactAck(let rejected)) = second[0],
              case .send(Fixture.client, .artifactRefused(let refused)) = second[1] else {
            Issue.record("\(second)")
            return
        }
        #expect(rejected.status == .rejected)
        #expect(refused.reason.contains("checksum mismatch"))
    }

    @Test("agent refusals are forwarded to the run's client")
    func refusalsForwarded() {
        let refused = ArtifactRefused(job: ref, path: "../x", reason: "'..' is not allowed in artifact paths")
        #expect(service.agentMessage(.artifactRefused(refused), from: Self.agent, core: core)
            == [.send(Fixture.client, .artifactRefused(refused))])
        // From an agent that is not running the job: dropped.
        #expect(service.agentMessage(.artifactRefused(refused), from: 99, core: core).isEmpty)
    }

    @Test("a chunk without its begin closes the agent's connection")
    func violationCloses() {
        let actions = service.agentMessage(.artifactChunk(ArtifactChunk(job: ref, artifactID: 3, offset: 0, data: [1])),
                                           from: Self.agent, core: core)
        guard case .close(Self.agent, let error) = actions.first else {
            Issue.record("\(actions)")
            return
        }
        #expect(error?.code == .unexpectedMessage)
    }

    @Test("after the job finished, its uploads are refused")
    func afterFinish() throws {
        var core = self.core
        #expect(core.artifactUploadRefusal(ref, from: Self.agent) == nil)
        _ = core.received(Fixture.finished(runID, "build", .success), from: Self.agent, now: 2)
        service.jobFinished(ref, on: Self.agent)
        #expect(core.artifactUploadRefusal(ref, from: Self.agent) != nil)
        guard case .send(_, .artifactAck(let ack)) = upload([1], core: core).first else { Issue.record("no ack"); return }
        #expect(ack.status == .rejected)
    }
}
