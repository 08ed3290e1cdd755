import Testing

extension EndToEndTests {
    /// `timeout-minutes` kills the whole job: background children and grandchildren too.
    @Suite("Job timeout")
    struct JobTimeoutTests {
        @Test("a job past its timeout ends timed out and leaves no process behind")
        func timedOutJobLeavesNoProcesses() async throws {
            let harness = try FlotillaHarness("timeout")
            defer { harness.shutdown() }
            let pids = harness.pidFile("family.pids")
            let pipeline = try harness.writePipeline("""
                jobs:
                  forever:
                    runs-on: [linux]
                    timeout-minutes: 0.02
                    steps:
                      - name: Spawn a family
                        run: |
                          echo $$ >> '\(pids)'
                          sleep 300 & echo $! >> '\(pids)'
                          bash -c "sleep 300 & echo \\$! >> '\(pids)'; wait" & echo $! >> '\(pids)'
                          wait
                """)

            let result = try await harness.run(["run", pipeline, "--state", harness.directory.file("state"),
                                                "--source", try harness.directory.makeDirectory("source")],
                                               label: "run")

            #expect(result.termination == .exited(1), "\(result.transcript)")
            let report = RunReport(result.stdout)
            #expect(report.events("forever").last?.hasPrefix("timed out") == true, "\(result.stdout)")
            #expect(report.row("forever")?.status == "timed out", "\(result.stdout)")
            let recorded = harness.recordedPIDs(pids)
            // The step shell, its sleep, the inner bash and its sleep.
            #expect(recorded.count == 4, "pids on record: \(recorded)\n\(result.stdout)")
            // Killed processes are reaped by their parents (or init) a moment later.
            let survivors = await waitUntilGone(recorded, timeout: .seconds(10))
            #expect(survivors.isEmpty, "still present after the timeout: \(survivors.map { "\($0) \(procState($0))" })")
        }
    }
}
