#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import FlotillaStore
import TestSupport
import Testing
import WireProtocol

@Suite("Log files and index")
struct LogStoreTests {
    private func chunk(_ ref: JobRef, _ sequence: UInt64, _ text: String, stream: LogStream = .stdout, step: UInt32 = 0) -> LogChunk {
        LogChunk(job: ref, sequence: sequence, stepIndex: step, stream: stream, data: Array(text.utf8))
    }

    private func prepared(_ name: String = "logs") throws -> (StoreFixture, JobRef, JobRef) {
        let fixture = try StoreFixture(name)
        try Samples.insertRun(fixture.store, "r1")
        let build = JobRef(runID: "r1", jobID: "build", attempt: 1)
        let test = JobRef(runID: "r1", jobID: "test", attempt: 1)
        try fixture.store.recordAssignment(build, agent: "a1", at: 1)
        try fixture.store.recordAssignment(test, agent: "a1", at: 1)
        return (fixture, build, test)
    }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func chunksReadBackInSequenceOrderPerJob() throws {
        let (fixture, build, test) = try prepared()
        let store = fixture.store
        // Arrival order differs from sequence order, and jobs interleave.
        #expect(try store.appendLog(chunk(test, 0, "t0 ")))
        #expect(try store.appendLog(chunk(build, 1, "b1 ", stream: .stderr, step: 1)))
        #expect(try store.appendLog(chunk(build, 0, "b0 ", stream: .system)))
        #expect(try store.appendLog(chunk(test, 1, "t1")))
        #expect(try store.appendLog(chunk(build, 2, "")))
        #expect(try !store.appendLog(chunk(build, 1, "resent, must not appear")))

        #expect(text(try store.readLog(runID: "r1")) == "b0 b1 t0 t1")
        #expect(text(try store.readLog(runID: "r1", jobID: "build")) == "b0 b1 ")
        #expect(text(try store.readLog(runID: "r1", jobID: "test", attempt: 1)) == "t0 t1")
        #expect(try store.readLog(runID: "r1", jobID: "test", attempt: 2).isEmpty)

        let index = try store.logIndex(runID: "r1", jobID: "build")
        #expect(index.map(\.sequence) == [0, 1, 2])
        #expect(index.map(\.stream) == [.system, .stderr, .stdout])
        #expect(index.map(\.stepIndex) == [0, 1, 0])
        #expect(index.map(\.offset) == [3, 0, 6], "bytes sit in arrival order; the index restores sequence order")
        #expect(try store.logIndex(runID: "r1", jobID: "build", afterSequence: 0).map(\.sequence) == [1, 2])
        #expect(text(try store.readLogChunk(index[1])) == "b1 ")

        var streamed: [String] = []
        try store.readLog(runID: "r1") { bytes, entry in streamed.append("\(entry.ref.jobID):\(text(bytes))") }
        #expect(streamed == ["build:b0 ", "build:b1 ", "build:", "test:t0 ", "test:t1"])
    }

    @Test func logFilesStayInsideTheStateDirectory() throws {
        let fixture = try StoreFixture("logs")
        let ref = SampleMessages.job  // unicode, spaces, brackets and a slash in the job id
        var run = Samples.run(ref.runID)
        run.id = ref.runID
        try fixture.store.insertRun(run, plan: Samples.plan([Samples.job(ref.jobID), Samples.job("../../etc/passwd")]))
        try fixture.store.recordAssignment(ref, agent: "a", at: 1)
        let evil = JobRef(runID: ref.runID, jobID: "../../etc/passwd", attempt: 1)
        try fixture.store.recordAssignment(evil, agent: "a", at: 1)
        try fixture.store.appendLog(chunk(ref, 0, "hello"))
        try fixture.store.appendLog(chunk(evil, 0, "evil"))
        for entry in try fixture.store.logIndex(runID: ref.runID) {
            let parts = entry.path.split(separator: "/", omittingEmptySubsequences: false)
            #expect(parts.count == 3 && parts[0] == "logs", "\(entry.path)")
            #expect(!parts.contains("..") && !parts.contains(".") && !parts.contains(""), "\(entry.path)")
            #expect(access(fixture.stateDirectory + "/" + entry.path, F_OK) == 0)
        }
        #expect(text(try fixture.store.readLog(runID: ref.runID)) == "helloevil")
        #expect(LogFiles.safeName("..", limit: 10) == "%2E.")
        #expect(LogFiles.safeName("", limit: 10) == "%")
        #expect(LogFiles.safeName(String(repeating: "é", count: 100), limit: 20).utf8.count <= 20)
    }

    @Test func largeLogsStreamChunkByChunk() throws {
        let (fixture, build, _) = try prepared()
        var rng = SplitMix64(seed: 42)
        var expected: [UInt8] = []
        for sequence in 0..<96 {
            let size = sequence % 7 == 0 ? LogChunk.maxDataBytes : Int(rng.next() % UInt64(LogChunk.maxDataBytes))
            let data = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            expected += data
            try fixture.store.appendLog(LogChunk(job: build, sequence: UInt64(sequence), stepIndex: 0, stream: .stdout, data: data))
        }
        var streamed: [UInt8] = []
        var largest = 0
        try fixture.store.readLog(runID: "r1", jobID: "build") { bytes, _ in
            largest = max(largest, bytes.count)
            streamed += bytes
        }
        #expect(streamed.count == expected.count)
        #expect(streamed == expected)
        #expect(largest <= LogChunk.maxDataBytes, "the reader hands out one chunk at a time")
        #expect(try fixture.store.readLog(runID: "r1", jobID: "build") == expected)
    }

    @Test func bytesLeftByACrashBeforeTheIndexCommitAreCutOff() throws {
        let (fixture, build, _) = try prepared()
        try fixture.store.appendLog(chunk(build, 0, "first "))
        let path = fixture.stateDirectory + "/" + (try #require(try fixture.store.logIndex(runID: "r1").first)).path
        // What a crash between the file write and the index commit leaves behind.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("GARBAGE-NOT-INDEXED".utf8))
        handle.closeFile()
        #expect(text(try fixture.store.readLog(runID: "r1")) == "first ", "unindexed bytes are never served")
        try fixture.store.appendLog(chunk(build, 1, "second"))
        #expect(text(try fixture.store.readLog(runID: "r1")) == "first second")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 12)
    }

    @Test func aShortenedLogFileIsReportedNotServed() throws {
        let (fixture, build, _) = try prepared()
        try fixture.store.appendLog(chunk(build, 0, "0123456789"))
        let path = fixture.stateDirectory + "/" + (try #require(try fixture.store.logIndex(runID: "r1").first)).path
        #expect(truncate(path, 4) == 0)
        let error = #expect(throws: StoreError.self) { try fixture.store.readLog(runID: "r1") }
        #expect(error?.kind == .corrupt)
        let append = #expect(throws: StoreError.self) { try fixture.store.appendLog(chunk(build, 1, "more")) }
        #expect(append?.kind == .corrupt)
    }

    @Test func logsNeedARecordedAttempt() throws {
        let (fixture, _, _) = try prepared()
        let error = #expect(throws: StoreError.self) {
            try fixture.store.appendLog(chunk(JobRef(runID: "r1", jobID: "build", attempt: 7), 0, "x"))
        }
        #expect(error?.kind == .notFound)
        #expect(try fixture.store.logIndex(runID: "r1").isEmpty)
    }
}
