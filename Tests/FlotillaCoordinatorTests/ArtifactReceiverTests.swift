import FlotillaTLS
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaCoordinator

@Suite("Artifact receiver")
struct ArtifactReceiverTests {
    private static let job = JobRef(runID: "r-1", jobID: "build", attempt: 1)
    private static let agent: ConnectionID = 7
    private let directory: TemporaryDirectory
    private let receiver: ArtifactReceiver

    init() throws {
        directory = try TemporaryDirectory(prefix: "flotilla-receiver")
        receiver = ArtifactReceiver(store: try ArtifactStore(directory: directory.file("artifacts")), maxBytesPerJob: 1_000)
    }

    private func begin(_ id: UInt32, size: Int, refusal: String? = nil) throws {
        try receiver.begin(ArtifactBegin(job: Self.job, artifactID: id, name: "f.bin", relativePath: "out/f.bin",
                                         kind: .file, size: UInt64(size)), from: Self.agent, refusal: refusal)
    }

    /// Sends `bytes` as chunks of 3, optionally flipping one byte in transit, then the End with the true digest.
    private func send(_ id: UInt32, _ bytes: [UInt8], corruptAt: Int? = nil) throws -> ArtifactReceiver.EndResult {
        var offset = 0
        while offset < bytes.count {
            var data = Array(bytes[offset..<min(bytes.count, offset + 3)])
            if let corruptAt, (offset..<offset + data.count).contains(corruptAt) { data[corruptAt - offset] ^= 0x01 }
            try receiver.chunk(ArtifactChunk(job: Self.job, artifactID: id, offset: UInt64(offset), data: data), from: Self.agent)
            offset += data.count
        }
        return try receiver.end(ArtifactEnd(job: Self.job, artifactID: id, sha256: SHA256Hasher.hash(bytes)), from: Self.agent)
    }

    private var payload: [UInt8] { Array("content that travels in chunks".utf8) }

    @Test("a clean upload is verified and stored")
    func cleanUpload() throws {
        try begin(0, size: payload.count)
        guard case .verified(let begin, let sha, let deduplicated) = try send(0, payload) else {
            Issue.record("not verified")
            return
        }
        #expect(begin.artifactID == 0 && sha == SHA256Hasher.hash(payload) && !deduplicated)
        #expect(receiver.store.contains(sha256: sha, size: UInt64(payload.count)))
        #expect(receiver.activeUploadCount == 0)
    }

    @Test("a chunk corrupted in transit is detected, retried, and the resend is stored")
    func corruptedChunkIsRetried() throws {
        try begin(0, size: payload.count)
        guard case .retry(_, let reason) = try send(0, payload, corruptAt: 10) else {
            Issue.record("corruption not detected")
            return
        }
        #expect(reason.contains("checksum mismatch"))
        #expect(filesBelow(receiver.store.directory).isEmpty)
        try begin(0, size: payload.count)
        guard case .verified = try send(0, payload) else {
            Issue.record("the resend was not stored")
            return
        }
        #expect(filesBelow(receiver.store.directory).count == 1)
    }

    @Test("a second mismatch is rejected; a later upload of the same id starts counting again")
    func secondMismatchRejected() throws {
        try begin(0, size: payload.count)
        guard case .retry = try send(0, payload, corruptAt: 0) else { Issue.record("expected retry"); return }
        try begin(0, size: payload.count)
        guard case .rejected(_, let reason) = try send(0, payload, corruptAt: 1) else { Issue.record("expected rejected"); return }
        #expect(reason.contains("checksum mismatch") && reason.contains("after a retry"))
        #expect(filesBelow(receiver.store.directory).isEmpty)
        try begin(0, size: payload.count)
        guard case .retry = try send(0, payload, corruptAt: 2) else { Issue.record("expected a fresh retry"); return }
    }

    @Test("short uploads and out-of-order chunks fail like mismatches")
    func sizeAndOrder() throws {
        try begin(0, size: payload.count + 5)
        guard case .retry(_, let reason) = try send(0, payload) else { Issue.record("expected retry"); return }
        #expect(reason.contains("size mismatch"))

        try begin(1, size: 6)
        try receiver.chunk(ArtifactChunk(job: Self.job, artifactID: 1, offset: 3, data: [1, 2, 3]), from: Self.agent)
        let result = try receiver.end(ArtifactEnd(job: Self.job, artifactID: 1, sha256: SHA256Hasher.hash([])), from: Self.agent)
        guard case .retry(_, let order) = result else { Issue.record("expected retry"); return }
        #expect(order.contains("expected offset 0"))
        #expect(filesBelow(receiver.store.directory).isEmpty)
    }

    @Test("an upload refused up front is drained and rejected with the reason")
    func refusedUpload() throws {
        try begin(0, size: payload.count, refusal: "job build is not running on this agent")
        guard case .rejected(_, let reason) = try send(0, payload) else { Issue.record("expected rejected"); return }
        #expect(reason == "job build is not running on this agent")
        #expect(filesBelow(receiver.store.directory).isEmpty)
    }

    @Test("the coordinator's own per-job byte limit rejects oversized announcements")
    func perJobLimit() throws {
        try begin(0, size: 600)
        try begin(1, size: 600)
        let result = try receiver.end(ArtifactEnd(job: Self.job, artifactID: 1, sha256: SHA256Hasher.hash([])), from: Self.agent)
        guard case .rejected(_, let reason) = result else { Issue.record("expected rejected"); return }
        #expect(reason.contains("limit of 1000 bytes"))
    }

    @Test("sequence violations are reported, not guessed at")
    func violations() throws {
        #expect(throws: ArtifactProtocolViolation.self) {
            try receiver.chunk(ArtifactChunk(job: Self.job, artifactID: 9, offset: 0, data: [1]), from: Self.agent)
        }
        #expect(throws: ArtifactProtocolViolation.self) {
            try receiver.end(ArtifactEnd(job: Self.job, artifactID: 9, sha256: SHA256Hasher.hash([])), from: Self.agent)
        }
        try begin(0, size: 3)
        #expect(throws: ArtifactProtocolViolation.self) { try begin(0, size: 3) }
    }

    @Test("a finished job or a closed connection drops unfinished uploads and their files")
    func cleanup() throws {
        try begin(0, size: 10)
        try receiver.chunk(ArtifactChunk(job: Self.job, artifactID: 0, offset: 0, data: [1, 2]), from: Self.agent)
        #expect(filesBelow(receiver.store.directory).count == 1)
        receiver.jobEnded(Self.job, on: Self.agent)
        #expect(receiver.activeUploadCount == 0)
        #expect(filesBelow(receiver.store.directory).isEmpty)

        try begin(1, size: 10)
        try receiver.chunk(ArtifactChunk(job: Self.job, artifactID: 1, offset: 0, data: [1]), from: Self.agent)
        receiver.connectionClosed(Self.agent)
        #expect(receiver.activeUploadCount == 0)
        #expect(filesBelow(receiver.store.directory).isEmpty)
    }
}
