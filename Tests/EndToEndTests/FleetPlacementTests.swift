import Testing

extension EndToEndTests {
    /// A coordinator and agents as separate processes; jobs land where their labels say.
    @Suite("Fleet placement")
    struct FleetPlacementTests {
        @Test("each job runs on the agent whose labels match")
        func jobsLandOnMatchingAgents() async throws {
            let harness = try FlotillaHarness("placement")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["alpha", "beta"])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            _ = try await harness.startAgent(name: "alpha", labels: ["linux", "gpu"], pki: pki, port: port,
                                             coordinator: coordinator)
            _ = try await harness.startAgent(name: "beta", labels: ["linux", "arm"], pki: pki, port: port,
                                             coordinator: coordinator)
            let source = try harness.directory.makeDirectory("source")
            try harness.directory.write("placement test source\n", to: "source/README")
            let pipeline = try harness.writePipeline("""
                name: placement
                jobs:
                  needs-gpu:
                    runs-on: [gpu]
                    steps:
                      - name: Report the agent
                        run: echo "ran-on=$FLOTILLA_AGENT_NAME"
                  needs-arm:
                    runs-on: [arm]
                    steps:
                      - name: Report the agent
                        run: echo "ran-on=$FLOTILLA_AGENT_NAME"
                """)

            let result = try await harness.run(["run", pipeline, "--coordinator", "127.0.0.1:\(port)", "--pki", pki,
                                                "--name", "tester", "--source", source, "--verbose"], label: "run")

            #expect(result.termination == .exited(0), "\(result.transcript)")
            let report = RunReport(result.stdout)
            for (job, agent) in [("needs-gpu", "alpha"), ("needs-arm", "beta")] {
                #expect(report.events(job).contains("assigned to \(agent)"), "\(job):\n\(result.stdout)")
                #expect(report.row(job) == RunReport.Row(job: job, agent: agent, status: "succeeded"), "\(result.stdout)")
                // The step itself says where it ran (verbose mode streams the log lines).
                #expect(result.stdout.contains("\(job) | ran-on=\(agent)"), "\(job):\n\(result.stdout)")
            }
            #expect(coordinator.isRunning, "\(coordinator.transcript)")
        }
    }
}
