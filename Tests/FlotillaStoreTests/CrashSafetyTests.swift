#if canImport(Glibc)
import Glibc
#endif
import Foundation
@testable import FlotillaStore
import TestSupport
import Testing
import WireProtocol

/// kill -9 of a process writing to the store at an arbitrary moment loses nothing it acknowledged.
///
/// The writer is this test binary run again with only `crashWriterChild` selected: it stores
/// runs, assignments, log chunks and results as fast as it can and prints `ACK <run>` after
/// each run's result is recorded (that is the moment a coordinator would tell a client). The
/// parent kills it with SIGKILL at a random point, then checks every acknowledged run.
@Suite("Crash safety", .serialized)
struct CrashSafetyTests {
    static let directoryVariable = "FLOTILLA_STORE_CRASH_DIR"
    static let roundVariable = "FLOTILLA_STORE_CRASH_ROUND"

    static func logText(_ runID: String, _ sequence: Int) -> String { "\(runID) line \(sequence)\n" }

    @Test(.enabled(if: ProcessInfo.processInfo.environment[directoryVariable] != nil,
                   "runs only as the child process of killedWriterLosesNothingAcknowledged"))
    func crashWriterChild() throws {
        let environment = ProcessInfo.processInfo.environment
        let store = try CoordinatorStore(stateDirectory: environment[Self.directoryVariable]!)
        let round = environment[Self.roundVariable] ?? "0"
        for i in 0..<1_000_000 {
            let id = "round\(round)-\(i)"
            try Samples.insertRun(store, id, at: Int64(i))
            let ref = JobRef(runID: id, jobID: "build", attempt: 1)
            try store.recordAssignment(ref, agent: "a1", at: Int64(i))
            for sequence in 0..<3 {
                try store.appendLog(LogChunk(job: ref, sequence: UInt64(sequence), stepIndex: 0, stream: .stdout,
                                             data: Array(Self.logText(id, sequence).utf8)))
            }
            try store.recordAttemptResult(ref, state: .succeeded, exitCode: 0, at: Int64(i), jobState: .succeeded)
            // Straight to the descriptor: nothing sits in a stdio buffer when the kill comes.
            FileHandle.standardOutput.write(Data("ACK \(id)\n".utf8))
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func killedWriterLosesNothingAcknowledged() async throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-crash")
        let state = directory.file("state")
        var rng = SplitMix64(seed: UInt64(UInt32(truncatingIfNeeded: time(nil))))
        var acknowledged: [String] = []
        for round in 0..<3 {
            let child = try ChildProcess(
                executablePath: try Self.testBinary(),
                arguments: Self.childArguments,
                environment: [Self.directoryVariable: state, Self.roundVariable: "\(round)"],
                stdoutPath: directory.file("child\(round).out"), stderrPath: directory.file("child\(round).err"))
            // Let it acknowledge a random number of runs, then kill it wherever it is.
            let target = "ACK round\(round)-\(5 + Int(rng.next() % 30))\n"
            let reached = await child.waitForOutput(.stdout, containing: target, timeout: .seconds(60))
            #expect(child.send(SIGKILL))
            let ended = await child.waitForExit(timeout: .seconds(10))
            try #require(reached, "the writer never printed \(target): \(child.transcript)")
            #expect(ended == .signalled(SIGKILL), "\(child.transcript)")
            acknowledged += child.stdout.split(separator: "\n").filter { $0.hasPrefix("ACK ") }.map { String($0.dropFirst(4)) }

            let store = try CoordinatorStore(stateDirectory: state)
            #expect(try store.integrityCheck() == ["ok"])
            for id in acknowledged {
                let attempt = try store.attempt(JobRef(runID: id, jobID: "build", attempt: 1))
                #expect(attempt?.state == .succeeded, "acknowledged run \(id) lost its result")
                let expected = (0..<3).map { Self.logText(id, $0) }.joined()
                #expect(String(decoding: try store.readLog(runID: id), as: UTF8.self) == expected)
            }
            // Whatever was caught mid-write is whole or absent: every stored run has both jobs,
            // and every indexed log byte is readable.
            for run in try store.runs(limit: 1_000_000) {
                #expect(try store.jobs(ofRun: run.id).count == 2, "run \(run.id) is half stored")
                _ = try store.readLog(runID: run.id)
            }
            store.close()
        }
        #expect(acknowledged.count >= 15)
    }

    /// The running test binary: the child runs it with a filter for `crashWriterChild`.
    static func testBinary() throws -> String {
        let path = CommandLine.arguments[0]
        return path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static var childArguments: [String] {
        ["--testing-library", "swift-testing", "--filter", "crashWriterChild"]
    }
}
