import Foundation
import Testing

extension EndToEndTests {
    /// Issue 5: a test that failed and then passed on retry is reported as flaky, not hidden.
    @Suite("Flaky tests")
    struct FlakyTestEndToEndTests {
        @Test("a job retried on failure whose test then passes: the run passes and the verdict names the flaky test")
        func retriedTestIsFlaky() async throws {
            let harness = try FlotillaHarness("flaky")
            defer { harness.shutdown() }
            let marker = harness.directory.file("first-attempt-done")
            let source = try harness.directory.makeDirectory("source")
            let pipeline = try harness.writePipeline("""
                jobs:
                  unit:
                    runs-on: [local]
                    retry: {max: 1, on: [failure]}
                    artifacts:
                      - {path: junit.xml, kind: junit}
                    steps:
                      - name: Test
                        run: |
                          if [ ! -e '\(marker)' ]; then
                            touch '\(marker)'
                            echo '<testsuite name="net"><testcase classname="net.Client" name="testTimeout" time="0.1"><failure message="timed out"/></testcase><testcase classname="net.Client" name="testOK" time="0.1"/></testsuite>' > junit.xml
                            exit 1
                          fi
                          echo '<testsuite name="net"><testcase classname="net.Client" name="testTimeout" time="0.1"/><testcase classname="net.Client" name="testOK" time="0.1"/></testsuite>' > junit.xml
                gates:
                  - {name: unit tests, kind: tests, max-failures: 0}
                """)
            let json = harness.directory.file("verdict.json")
            let result = try await harness.run(["run", pipeline, "--source", source, "--state", harness.directory.file("state"),
                                                "--json", json], label: "run-flaky")
            #expect(result.termination == .exited(0), "\(result.transcript)")
            let data = try Data(contentsOf: URL(fileURLWithPath: json))
            let verdict = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let jobs = verdict["jobs"] as? [[String: Any]] ?? []
            #expect(jobs.first?["flaky"] as? Bool == true, "\(verdict)")
            #expect(jobs.first?["attempts"] as? Int == 2, "\(verdict)")
            let flaky = verdict["flaky_tests"] as? [[String: Any]] ?? []
            #expect(flaky.count == 1, "\(verdict)")
            #expect((flaky.first?["test"] as? String)?.contains("testTimeout") == true, "\(verdict)")
            #expect(flaky.first?["failed_attempts"] as? [Int] == [1], "\(verdict)")
            #expect(flaky.first?["passed_attempt"] as? Int == 2, "\(verdict)")
            let gates = verdict["gates"] as? [[String: Any]] ?? []
            #expect(gates.first?["status"] as? String == "pass", "the final attempt's results decide: \(verdict)")
        }
    }
}
