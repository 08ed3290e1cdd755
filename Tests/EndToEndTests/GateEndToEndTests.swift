import Foundation
import Testing

extension EndToEndTests {
    /// Issue 4's acceptance: results read from artifacts, judged by gates, written as a verdict.
    @Suite("Gates and verdicts")
    struct GateEndToEndTests {
        private func verdictJSON(_ path: String) throws -> [String: Any] {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        }

        private func gateStatuses(_ verdict: [String: Any]) -> [String: String] {
            let gates = verdict["gates"] as? [[String: Any]] ?? []
            var statuses: [String: String] = [:]
            for gate in gates { statuses[gate["name"] as? String ?? ""] = gate["status"] as? String }
            return statuses
        }

        @Test("failing junit, 72% coverage and a critical finding fail three blocking gates: exit 1")
        func blockingGatesFail() async throws {
            let harness = try FlotillaHarness("gates-blocking")
            defer { harness.shutdown() }
            let json = harness.directory.file("verdict.json")
            let markdown = harness.directory.file("verdict.md")
            let junit = harness.directory.file("gates.xml")
            let result = try await harness.run(["run", "examples/gates.yml", "--state", harness.directory.file("state"),
                                                "--json", json, "--markdown", markdown, "--junit", junit],
                                               label: "run-gates", workingDirectory: harness.packageRoot)

            #expect(result.termination == .exited(1), "\(result.transcript)")
            let verdict = try verdictJSON(json)
            #expect(verdict["verdict"] as? String == "fail")
            #expect(verdict["emergency"] as? Bool == false)
            #expect(gateStatuses(verdict) == ["unit tests": "fail", "line coverage": "fail", "security": "fail"])
            let gates = verdict["gates"] as? [[String: Any]] ?? []
            let tests = gates.first { $0["name"] as? String == "unit tests" }
            #expect((tests?["detail"] as? String)?.contains("math.Arithmetic.testAddition") == true, "\(verdict)")
            let artifacts = verdict["artifacts"] as? [[String: Any]] ?? []
            #expect(artifacts.count == 3)
            #expect(artifacts.allSatisfy { ($0["sha256"] as? String)?.count == 64 })
            let jobs = verdict["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.first?["status"] as? String == "success")
            let markdownText = try String(contentsOfFile: markdown, encoding: .utf8)
            #expect(markdownText.contains("line coverage"))
            let junitText = try String(contentsOfFile: junit, encoding: .utf8)
            #expect(junitText.contains("<failure"))
            #expect(result.stdout.contains("verdict: fail"), "\(result.stdout)")
        }

        @Test("examples/bench.yml: a benchmark job on the embedded fleet; without a baseline the performance gate says so and passes")
        func benchExample() async throws {
            let harness = try FlotillaHarness("bench-example")
            defer { harness.shutdown() }
            let json = harness.directory.file("verdict.json")
            let result = try await harness.run(["run", "examples/bench.yml", "--state", harness.directory.file("state"),
                                                "--json", json],
                                               label: "run-bench", workingDirectory: harness.packageRoot)
            #expect(result.termination == .exited(0), "\(result.transcript)")
            let verdict = try verdictJSON(json)
            #expect(gateStatuses(verdict) == ["speed": "pass"], "\(verdict)")
            let detail = ((verdict["gates"] as? [[String: Any]])?.first?["detail"] as? String) ?? ""
            #expect(detail.contains("no baseline yet") && detail.contains("sort") && detail.contains("loop"), "\(detail)")
            #expect((verdict["gates"] as? [[String: Any]])?.first?["value"] as? String == "no baseline yet for 2 series", "\(verdict)")
        }

        @Test("the same gates marked blocking: false warn three times: exit 0")
        func advisoryGatesWarn() async throws {
            let harness = try FlotillaHarness("gates-advisory")
            defer { harness.shutdown() }
            let json = harness.directory.file("verdict.json")
            let result = try await harness.run(["run", "examples/gates-advisory.yml", "--state", harness.directory.file("state"),
                                                "--json", json],
                                               label: "run-advisory", workingDirectory: harness.packageRoot)

            #expect(result.termination == .exited(0), "\(result.transcript)")
            let verdict = try verdictJSON(json)
            #expect(verdict["verdict"] as? String == "pass")
            #expect(gateStatuses(verdict) == ["unit tests": "warn", "line coverage": "warn", "security": "warn"])
        }

        @Test("--emergency skips the non-critical gates and the verdict records it")
        func emergencySkipsNonCriticalGates() async throws {
            let harness = try FlotillaHarness("gates-emergency")
            defer { harness.shutdown() }
            let json = harness.directory.file("verdict.json")
            let result = try await harness.run(["run", "examples/gates.yml", "--state", harness.directory.file("state"),
                                                "--json", json, "--emergency"],
                                               label: "run-emergency", workingDirectory: harness.packageRoot)

            // `unit tests` is critical, so it still runs and still fails.
            #expect(result.termination == .exited(1), "\(result.transcript)")
            let verdict = try verdictJSON(json)
            #expect(verdict["emergency"] as? Bool == true)
            #expect(gateStatuses(verdict) == ["unit tests": "fail", "line coverage": "skipped", "security": "skipped"])
        }
    }
}
