import Dispatch
import Foundation
@testable import FlotillaStore
import Testing
import WireProtocol

@Suite("Sharing a store between threads")
struct ConcurrencyTests {
    @Test func threadsWritingAtOnceLoseNothing() throws {
        let fixture = try StoreFixture("threads")
        let store = fixture.store
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            do {
                for i in 0..<25 {
                    let id = "w\(worker)-\(i)"
                    try Samples.insertRun(store, id)
                    let ref = JobRef(runID: id, jobID: "build", attempt: 1)
                    try store.recordAssignment(ref, agent: "a\(worker)", at: 1)
                    try store.transaction {
                        try store.appendLog(LogChunk(job: ref, sequence: 0, stepIndex: 0, stream: .stdout, data: Array(id.utf8)))
                        try store.recordAttemptResult(ref, state: .succeeded, exitCode: 0, at: 2, jobState: .succeeded)
                    }
                    _ = try store.runs(limit: 5)
                }
            } catch {
                failures.add("\(worker): \(error)")
            }
        }
        #expect(failures.all.isEmpty)
        #expect(try store.runs(limit: 1000).count == 100)
        for worker in 0..<4 {
            for i in 0..<25 {
                let id = "w\(worker)-\(i)"
                #expect(try store.attempt(JobRef(runID: id, jobID: "build", attempt: 1))?.state == .succeeded)
                #expect(String(decoding: try store.readLog(runID: id), as: UTF8.self) == id)
            }
        }
    }

    @Test func twoHandlesOnOneDirectoryTakeTurns() throws {
        let fixture = try StoreFixture("threads")
        let stores = [fixture.store, try fixture.reopen()]
        let other = stores[1]
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let store = stores[worker]
            do {
                for i in 0..<20 { try Samples.insertRun(store, "h\(worker)-\(i)") }
            } catch {
                failures.add("\(worker): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "BEGIN IMMEDIATE plus the busy timeout serialise the writers")
        #expect(try fixture.store.runs(limit: 100).count == 40)
        #expect(try other.runs(limit: 100).count == 40)
    }
}

/// Errors collected from worker threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.lock(); items.append(item); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
