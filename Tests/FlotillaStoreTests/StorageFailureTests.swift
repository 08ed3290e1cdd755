#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import FlotillaStore
import Testing
import WireProtocol

@Suite("Read-only and full state directories")
struct StorageFailureTests {
    private func seeded() throws -> (StoreFixture, JobRef) {
        let fixture = try StoreFixture("failure")
        try Samples.insertRun(fixture.store, "r1")
        let ref = JobRef(runID: "r1", jobID: "build", attempt: 1)
        try fixture.store.recordAssignment(ref, agent: "a1", at: 1)
        try fixture.store.appendLog(LogChunk(job: ref, sequence: 0, stepIndex: 0, stream: .stdout, data: Array("kept".utf8)))
        return (fixture, ref)
    }

    @Test func readOnlyHandleRefusesWritesAndKeepsServingReads() throws {
        let (fixture, ref) = try seeded()
        let readOnly = try fixture.reopen(mode: .readOnly)
        #expect(readOnly.isReadOnly)
        #expect(!fixture.store.isReadOnly)

        let insert = try #require(throws: StoreError.self) { try Samples.insertRun(readOnly, "r2") }
        #expect(insert.kind == .readOnly)
        #expect(insert.isStorageUnavailable)
        #expect(insert.description.hasPrefix("the state directory is read-only"))
        let log = try #require(throws: StoreError.self) {
            try readOnly.appendLog(LogChunk(job: ref, sequence: 1, stepIndex: 0, stream: .stdout, data: [1, 2, 3]))
        }
        #expect(log.kind == .readOnly)
        #expect(throws: StoreError.self) { try readOnly.transaction { try readOnly.finishRun("r1", outcome: .error, at: 9) } }

        // SQLite's own refusal, below the store's early check, is classified the same way.
        let raw = try #require(throws: StoreError.self) {
            try readOnly.db.execute("INSERT INTO audit_log (at, actor, action, subject) VALUES (1, 'x', 'y', 'z')")
        }
        #expect(raw.kind == .readOnly && raw.resultCode == 8)

        // Reads work, including commits the read-write handle makes meanwhile.
        #expect(try readOnly.run("r1")?.state == .active)
        #expect(String(decoding: try readOnly.readLog(runID: "r1"), as: UTF8.self) == "kept")
        try fixture.store.finishRun("r1", outcome: .succeeded, at: 5)
        #expect(try readOnly.run("r1")?.outcome == .succeeded)
        #expect(try readOnly.run("r2") == nil)
        #expect(try fixture.store.logIndex(runID: "r1").count == 1, "the refused chunk left nothing")
    }

    @Test func fullDatabaseRefusesWritesAndLosesNothingCommitted() throws {
        let (fixture, ref) = try seeded()
        let store = fixture.store
        let pages = try #require(try store.db.queryOne("PRAGMA page_count", []) { $0.int(0) })
        try store.db.execute("PRAGMA max_page_count = \(pages)")

        var big = Samples.run("r2")
        big.pipelineText = String(repeating: "x", count: 256 * 1024)
        let error = try #require(throws: StoreError.self) { try store.insertRun(big, plan: Samples.plan([Samples.job("a")])) }
        #expect(error.kind == .full)
        #expect(error.resultCode == 13)
        #expect(error.isStorageUnavailable)
        #expect(error.summary == "the state directory is full")

        // Everything committed before is there, the failed run left nothing, and reads go on.
        #expect(try store.run("r2") == nil)
        #expect(try store.run("r1") == Samples.run("r1"))
        #expect(try store.attempt(ref)?.agentName == "a1")
        #expect(try store.auditLog(limit: 10).map(\.subject) == ["r1"])
        #expect(String(decoding: try store.readLog(runID: "r1"), as: UTF8.self) == "kept")
        #expect(try store.integrityCheck() == ["ok"])

        // Once space is back, writes succeed on the same handle.
        try store.db.execute("PRAGMA max_page_count = 1073741823")
        try store.insertRun(big, plan: Samples.plan([Samples.job("a")]))
        #expect(try store.run("r2")?.pipelineText.count == 256 * 1024)
    }

    @Test func fullDeviceForALogFileIndexesNothing() throws {
        let (fixture, _) = try seeded()
        let ref = JobRef(runID: "r1", jobID: "test", attempt: 1)
        try fixture.store.recordAssignment(ref, agent: "a1", at: 2)
        let relative = try #require(try fixture.store.db.queryOne(
            "SELECT log_path FROM attempts WHERE job_id = 'test'", []) { $0.string(0) })
        let path = fixture.stateDirectory + "/" + relative
        // Writes to /dev/full fail with ENOSPC, as on a full disk.
        #expect(symlink("/dev/full", path) == 0, "symlink: \(String(cString: strerror(errno)))")
        let error = try #require(throws: StoreError.self) {
            try fixture.store.appendLog(LogChunk(job: ref, sequence: 0, stepIndex: 0, stream: .stdout, data: Array("lost".utf8)))
        }
        #expect(error.kind == .full && error.systemErrno == ENOSPC)
        #expect(error.path == path)
        #expect(try fixture.store.logIndex(runID: "r1", jobID: "test").isEmpty)

        #expect(unlink(path) == 0)
        try fixture.store.appendLog(LogChunk(job: ref, sequence: 0, stepIndex: 0, stream: .stdout, data: Array("back".utf8)))
        #expect(String(decoding: try fixture.store.readLog(runID: "r1", jobID: "test"), as: UTF8.self) == "back")
    }
}
