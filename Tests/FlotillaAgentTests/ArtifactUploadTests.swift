import Foundation
import FlotillaCore
import FlotillaTLS
import Testing
import TestSupport
import WireProtocol
@testable import FlotillaAgent

/// A connection stand-in: accepts `budget` messages, then refuses until the test refills it.
private final class FakeLink {
    var sent: [Message] = []
    var budget = Int.max

    func send(_ message: Message) -> Bool {
        guard budget > 0 else { return false }
        budget -= 1
        sent.append(message)
        return true
    }

    var begins: [ArtifactBegin] { sent.compactMap { if case .artifactBegin(let m) = $0 { m } else { nil } } }
    var chunks: [ArtifactChunk] { sent.compactMap { if case .artifactChunk(let m) = $0 { m } else { nil } } }
    var ends: [ArtifactEnd] { sent.compactMap { if case .artifactEnd(let m) = $0 { m } else { nil } } }
    var refusals: [ArtifactRefused] { sent.compactMap { if case .artifactRefused(let m) = $0 { m } else { nil } } }
}

private let job = JobRef(runID: "run-1", jobID: "build", attempt: 1)

private func file(_ directory: TemporaryDirectory, _ name: String, bytes: [UInt8]) throws -> CollectedArtifact {
    let path = directory.file(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return CollectedArtifact(name: name, relativePath: "out/" + name, kind: .file, path: path, size: UInt64(bytes.count))
}

private func manager(_ link: FakeLink, chunkBytes: Int = 1_000, corrupt: Bool = false) -> ArtifactUploadManager {
    ArtifactUploadManager(chunkBytes: chunkBytes, corruptFirstTransmission: corrupt,
                          logger: Logger(label: "test", level: .debug, sink: RecordingLogSink())) { link.send($0) }
}

private func ack(_ id: UInt32, _ status: ArtifactAck.Status, _ message: String = "") -> ArtifactAck {
    ArtifactAck(job: job, artifactID: id, status: status, message: message)
}

@Suite("Artifact upload")
struct ArtifactUploadTests {
    @Test("refusals first, then each file as Begin, bounded contiguous chunks and End with its SHA-256")
    func streamsFiles() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-upload")
        let data = (0..<2_500).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let first = try file(directory, "a.bin", bytes: data)
        let second = try file(directory, "empty", bytes: [])
        let link = FakeLink()
        let uploads = manager(link)
        var report: ArtifactUploadReport?
        uploads.upload(ArtifactCollection(artifacts: [first, second], refusals: [ArtifactRefusal(path: "/x", reason: "no")]),
                       for: job) { report = $0 }

        #expect(link.refusals == [ArtifactRefused(job: job, path: "/x", reason: "no")])
        #expect(link.begins == [ArtifactBegin(job: job, artifactID: 0, name: "a.bin", relativePath: "out/a.bin",
                                              kind: .file, size: 2_500)])
        #expect(link.chunks.map(\.offset) == [0, 1_000, 2_000])
        #expect(link.chunks.map(\.data.count) == [1_000, 1_000, 500])
        #expect(link.chunks.flatMap(\.data) == data)
        #expect(link.ends == [ArtifactEnd(job: job, artifactID: 0, sha256: SHA256Hasher.hash(data))])
        // The next file waits for the answer; so does the job.
        #expect(report == nil)
        uploads.received(ack(0, .stored, "stored as a.bin"))
        #expect(link.begins.last?.artifactID == 1)
        #expect(link.ends.last == ArtifactEnd(job: job, artifactID: 1, sha256: SHA256Hasher.hash([])))
        #expect(report == nil)
        uploads.received(ack(1, .stored, "stored as empty"))
        #expect(report == ArtifactUploadReport(stored: ["stored as a.bin", "stored as empty"]))
        #expect(uploads.activeJobs.isEmpty)
    }

    @Test("a full connection pauses the upload; writable() resumes where it stopped")
    func backPressure() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-upload")
        let data = [UInt8](repeating: 0x42, count: 5_000)
        let link = FakeLink()
        link.budget = 2
        let uploads = manager(link)
        uploads.upload(ArtifactCollection(artifacts: [try file(directory, "f", bytes: data)]), for: job) { _ in }
        #expect(link.sent.count == 2) // Begin and one chunk
        var rounds = 0
        while link.ends.isEmpty && rounds < 100 {
            link.budget = 1
            uploads.writable()
            rounds += 1
        }
        #expect(link.chunks.map(\.offset) == [0, 1_000, 2_000, 3_000, 4_000])
        #expect(link.chunks.flatMap(\.data) == data)
        #expect(link.ends.count == 1)
    }

    @Test("retry resends the file from the start under the same id; injected corruption hits only the first try")
    func retryAfterCorruption() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-upload")
        let data = (0..<1_500).map { UInt8(truncatingIfNeeded: $0) }
        let link = FakeLink()
        let uploads = manager(link, corrupt: true)
        var report: ArtifactUploadReport?
        uploads.upload(ArtifactCollection(artifacts: [try file(directory, "c", bytes: data)]), for: job) { report = $0 }
        let firstTry = link.chunks.flatMap(\.data)
        #expect(firstTry != data)
        #expect(firstTry.count == data.count)
        #expect(link.ends.first?.sha256 == SHA256Hasher.hash(data))

        uploads.received(ack(0, .retry, "checksum mismatch"))
        #expect(link.begins.map(\.artifactID) == [0, 0])
        let secondTry = Array(link.chunks.suffix(2))
        #expect(secondTry.map(\.offset) == [0, 1_000])
        #expect(secondTry.flatMap(\.data) == data)
        #expect(link.ends.map(\.sha256) == [SHA256Hasher.hash(data), SHA256Hasher.hash(data)])
        uploads.received(ack(0, .stored, "stored as c"))
        #expect(report == ArtifactUploadReport(stored: ["stored as c"], retried: 1))
    }

    @Test("a second failure counts as rejected and the next file still goes")
    func rejectedThenNext() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-upload")
        let link = FakeLink()
        let uploads = manager(link)
        var report: ArtifactUploadReport?
        uploads.upload(ArtifactCollection(artifacts: [try file(directory, "x", bytes: [1]), try file(directory, "y", bytes: [2])]),
                       for: job) { report = $0 }
        uploads.received(ack(0, .retry, "mismatch"))
        uploads.received(ack(0, .retry, "mismatch again"))
        #expect(link.begins.map(\.artifactID) == [0, 0, 1])
        uploads.received(ack(7, .stored)) // not the file in flight: ignored
        #expect(report == nil)
        uploads.received(ack(1, .rejected, "job already ended"))
        #expect(report == ArtifactUploadReport(rejected: [ArtifactRefusal(path: "out/x", reason: "mismatch again"),
                                                          ArtifactRefusal(path: "out/y", reason: "job already ended")],
                                               retried: 1))
    }

    @Test("a file that vanished is reported, not sent")
    func vanishedFile() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-upload")
        var gone = try file(directory, "gone", bytes: [1, 2, 3])
        gone.path += ".missing"
        let link = FakeLink()
        var report: ArtifactUploadReport?
        manager(link).upload(ArtifactCollection(artifacts: [gone]), for: job) { report = $0 }
        #expect(link.begins.isEmpty)
        #expect(link.refusals.count == 1)
        #expect(link.refusals.first?.path == "out/gone")
        #expect(link.refusals.first?.reason.contains("cannot open it") == true)
        #expect(report?.rejected.count == 1)
    }

    @Test("cancel and connection loss end uploads at once, with nothing more sent")
    func cancelAndAbort() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-upload")
        let other = JobRef(runID: "run-1", jobID: "test", attempt: 1)
        let link = FakeLink()
        let uploads = manager(link)
        var reports: [JobRef: ArtifactUploadReport] = [:]
        uploads.upload(ArtifactCollection(artifacts: [try file(directory, "a", bytes: [1])]), for: job) { reports[job] = $0 }
        uploads.upload(ArtifactCollection(artifacts: [try file(directory, "b", bytes: [2])]), for: other) { reports[other] = $0 }
        let sentBefore = link.sent.count
        uploads.cancel(job)
        #expect(reports[job]?.aborted == true)
        #expect(reports[other] == nil)
        uploads.received(ack(0, .stored))
        #expect(link.sent.count == sentBefore)
        uploads.abortAll()
        #expect(reports[other]?.aborted == true)
        #expect(uploads.activeJobs.isEmpty)
    }
}
