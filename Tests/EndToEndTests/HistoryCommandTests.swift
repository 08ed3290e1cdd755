import Foundation
import Testing

extension EndToEndTests {
    /// The embedded default keeps its state: `runs`, `logs` and `agents` read it after the run.
    @Suite("Run history")
    struct HistoryCommandTests {
        @Test("runs, logs and agents read the state the embedded run left")
        func historyAfterAnEmbeddedRun() async throws {
            let harness = try FlotillaHarness("history")
            defer { harness.shutdown() }
            let state = harness.directory.file("state")
            let run = try await harness.run(["run", "examples/failing.yml", "--state", state, "--agents", "1"],
                                            label: "run", workingDirectory: harness.packageRoot)
            #expect(run.termination == .exited(1), "\(run.transcript)")

            let runs = try await harness.run(["runs", "--state", state, "--json"], label: "runs",
                                             workingDirectory: harness.packageRoot)
            #expect(runs.termination == .exited(0), "\(runs.transcript)")
            let listed = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any])
            let first = try #require((listed["runs"] as? [[String: Any]])?.first, "\(runs.stdout)")
            #expect(first["outcome"] as? String == "failed")
            #expect(first["pipeline"] as? String == "examples/failing.yml")
            let runID = try #require(first["id"] as? String)

            let logs = try await harness.run(["logs", runID, "broken", "--state", state], label: "logs",
                                             workingDirectory: harness.packageRoot)
            #expect(logs.termination == .exited(0), "\(logs.transcript)")
            #expect(logs.stdout.contains("FAIL: testAddition"), "\(logs.stdout)")
            #expect(!logs.stdout.contains("this job passes"), "only the named job: \(logs.stdout)")

            let missing = try await harness.run(["logs", "no-such-run", "--state", state], label: "logs-missing",
                                                workingDirectory: harness.packageRoot)
            #expect(missing.termination == .exited(2), "\(missing.transcript)")

            let agents = try await harness.run(["agents", "--state", state], label: "agents",
                                               workingDirectory: harness.packageRoot)
            #expect(agents.stdout.contains("local-1"), "\(agents.transcript)")
        }
    }
}
