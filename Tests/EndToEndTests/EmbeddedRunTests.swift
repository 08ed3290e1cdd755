import Testing

extension EndToEndTests {
    /// `flotilla run FILE` with no coordinator: the embedded default on a fresh state directory.
    @Suite("Embedded default")
    struct EmbeddedRunTests {
        @Test("examples/ci.yml succeeds and prints the summary table")
        func exampleSucceeds() async throws {
            let harness = try FlotillaHarness("embedded-ci")
            defer { harness.shutdown() }

            // From the package root, so the source snapshot holds Package.swift (the test job checks).
            let result = try await harness.run(["run", "examples/ci.yml", "--state", harness.directory.file("state")],
                                               label: "run-ci", workingDirectory: harness.packageRoot)

            #expect(result.termination == .exited(0), "\(result.transcript)")
            let report = RunReport(result.stdout)
            #expect(report.hasSummaryTable, "no summary table:\n\(result.stdout)")
            for job in ["prepare", "build", "test", "lint"] {
                #expect(report.row(job)?.status == "succeeded", "job \(job):\n\(result.stdout)")
                #expect(report.row(job)?.agent.hasPrefix("local-") == true, "job \(job):\n\(result.stdout)")
            }
            #expect(result.stdout.split(separator: "\n").last?.hasSuffix(" succeeded") == true, "\(result.stdout)")
        }

        @Test("examples/failing.yml exits 1 and shows the failing step's log")
        func failingExampleShowsLogTail() async throws {
            let harness = try FlotillaHarness("embedded-failing")
            defer { harness.shutdown() }

            let result = try await harness.run(["run", "examples/failing.yml", "--state", harness.directory.file("state")],
                                               label: "run-failing", workingDirectory: harness.packageRoot)

            #expect(result.termination == .exited(1), "\(result.transcript)")
            #expect(result.stdout.contains("FAIL: testAddition"), "\(result.transcript)")
            #expect(result.stdout.contains("'Unit tests'"), "the failing step is not named:\n\(result.stdout)")
            let report = RunReport(result.stdout)
            #expect(report.row("broken")?.status == "failed", "\(result.stdout)")
            #expect(report.row("ok")?.status == "succeeded", "\(result.stdout)")
        }

        @Test("a realistic workflow fixture (matrix, needs, three env levels, ifs, step outcomes) runs end to end")
        func workflowFixtureRuns() async throws {
            let harness = try FlotillaHarness("embedded-fixture")
            defer { harness.shutdown() }

            let fixture = "Tests/FlotillaCoreTests/Fixtures/pipelines/good/shell-tools.yml"
            let result = try await harness.run(["run", fixture, "--state", harness.directory.file("state"), "--verbose"],
                                               label: "run-fixture", workingDirectory: harness.packageRoot)

            #expect(result.termination == .exited(0), "\(result.transcript)")
            let report = RunReport(result.stdout)
            for job in ["lint", "test (bash, small)", "test (bash, large, yes)", "test (sh, small)", "report"] {
                #expect(report.row(job)?.status == "succeeded", "job \(job):\n\(result.stdout)")
            }
            // Runtime expressions reached the agent: the step outcome and the include-only step.
            #expect(result.stdout.contains("flaky step failed as expected (failure)"), "\(result.stdout)")
            #expect(result.stdout.contains("test (bash, large, yes) | extra combination"), "\(result.stdout)")
            #expect(!result.stdout.contains("test (bash, small) | extra combination"), "\(result.stdout)")
            #expect(result.stdout.contains("combination sh/small in workflow env"), "\(result.stdout)")
        }
    }
}
