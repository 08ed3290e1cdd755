#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

extension EndToEndTests {
    /// An agent that dies or freezes mid-job: its job ends "agent lost", never "failed".
    @Suite("Agent loss")
    struct AgentLossTests {
        /// Far beyond the 1 s heartbeat timeout; only a coordinator that never notices misses it.
        static let detectionBound: Duration = .seconds(20)

        /// A coordinator with fast heartbeats, one agent, and a run whose only job sleeps 30 s,
        /// followed until that job is running. The step records its shell's and its sleep's pids.
        private func runningSleeper(_ harness: FlotillaHarness)
            async throws -> (coordinator: ChildProcess, agent: ChildProcess, run: ChildProcess, pids: String)
        {
            let pki = try await harness.makePKI(agents: ["solo"])
            let (coordinator, port) = try await harness.startCoordinator(
                pki: pki, extraArguments: ["--heartbeat-interval-ms", "200", "--heartbeat-timeout-ms", "1000"])
            let agent = try await harness.startAgent(name: "solo", labels: ["linux"], pki: pki, port: port,
                                                     coordinator: coordinator, extraArguments: ["--kill-grace-ms", "500"])
            let pids = harness.pidFile("sleeper.pids")
            let pipeline = try harness.writePipeline("""
                jobs:
                  sleeper:
                    runs-on: [linux]
                    retry: {max: 0}
                    steps:
                      - name: Sleep
                        run: |
                          echo $$ >> '\(pids)'
                          sleep 30 &
                          echo $! >> '\(pids)'
                          wait
                """)
            let run = try harness.start(["run", pipeline, "--coordinator", "127.0.0.1:\(port)", "--pki", pki,
                                         "--name", "tester", "--source", try harness.directory.makeDirectory("source")],
                                        label: "run")
            try #require(await run.waitForOutput(containing: "sleeper: running on solo", timeout: FlotillaHarness.commandTimeout),
                         "\(run.transcript)")
            // The step is running once both pids are on record.
            let deadline = ContinuousClock.now + FlotillaHarness.startupTimeout
            while harness.recordedPIDs(pids).count < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(harness.recordedPIDs(pids).count == 2, "the step did not start its sleep:\n\(run.transcript)")
            return (coordinator, agent, run, pids)
        }

        @Test("an agent killed with SIGKILL mid-job: the job ends agent lost")
        func killedAgent() async throws {
            let harness = try FlotillaHarness("agent-killed")
            defer { harness.shutdown() }
            let (coordinator, agent, run, _) = try await runningSleeper(harness)

            #expect(agent.send(SIGKILL))
            let result = try await harness.finish(run, timeout: Self.detectionBound)

            #expect(result.termination == .exited(1), "\(result.transcript)")
            let report = RunReport(result.stdout)
            let ending = report.events("sleeper").last ?? ""
            #expect(ending.hasPrefix("agent lost"), "\(result.stdout)")
            #expect(!report.events("sleeper").contains { $0.hasPrefix("failed") }, "\(result.stdout)")
            #expect(report.row("sleeper")?.status == "agent lost", "\(result.stdout)")
            #expect(coordinator.isRunning, "\(coordinator.transcript)")
        }

        @Test("an agent killed mid-job: the job completes on another agent as attempt 2")
        func killedAgentsJobIsRetried() async throws {
            let harness = try FlotillaHarness("agent-retried")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["first", "second"])
            let (coordinator, port) = try await harness.startCoordinator(
                pki: pki, extraArguments: ["--heartbeat-interval-ms", "200", "--heartbeat-timeout-ms", "1000"])
            var agents: [String: ChildProcess] = [:]
            for name in ["first", "second"] {
                agents[name] = try await harness.startAgent(name: name, labels: ["linux"], pki: pki, port: port,
                                                            coordinator: coordinator, extraArguments: ["--kill-grace-ms", "500"])
            }
            let pids = harness.pidFile("retried.pids")
            let pipeline = try harness.writePipeline("""
                jobs:
                  work:
                    runs-on: [linux]
                    steps:
                      - name: Work
                        run: |
                          echo $$ >> '\(pids)'
                          sleep 2 &
                          echo $! >> '\(pids)'
                          wait
                          echo "finished on $FLOTILLA_AGENT_NAME"
                """)
            let verdict = harness.directory.file("verdict.json")
            let run = try harness.start(["run", pipeline, "--coordinator", "127.0.0.1:\(port)", "--pki", pki,
                                         "--name", "tester", "--source", try harness.directory.makeDirectory("source"),
                                         "--json", verdict], label: "run")
            let output = try #require(await run.waitForOutput(.stdout, timeout: FlotillaHarness.commandTimeout) {
                $0.contains("work: running on first") || $0.contains("work: running on second")
            }, "\(run.transcript)")
            let victim = output.contains("work: running on first") ? "first" : "second"
            let survivor = victim == "first" ? "second" : "first"
            #expect(agents[victim]?.send(SIGKILL) == true)

            let result = try await harness.finish(run, timeout: Self.detectionBound)
            #expect(result.termination == .exited(0), "\(result.transcript)")
            #expect(result.stdout.contains("retrying as attempt 2"), "\(result.stdout)")
            let report = RunReport(result.stdout)
            #expect(report.row("work")?.status == "succeeded", "\(result.stdout)")
            #expect(report.row("work")?.agent == survivor, "\(result.stdout)")
            let json = try String(contentsOfFile: verdict, encoding: .utf8)
            #expect(json.contains(#""attempts": 2"#), "\(json)")
            #expect(json.contains(#""retried": ["agent-lost"]"#), "the verdict names why attempt 1 was retried: \(json)")
        }

        @Test("a stopped agent is found out by the heartbeat timeout; once resumed it kills its job")
        func stoppedAgent() async throws {
            let harness = try FlotillaHarness("agent-stopped")
            defer { harness.shutdown() }
            let (coordinator, agent, run, pids) = try await runningSleeper(harness)

            // A stopped process keeps its socket open: only missing heartbeats can tell.
            #expect(agent.send(SIGSTOP))
            let result = try await harness.finish(run, timeout: Self.detectionBound)
            agent.send(SIGCONT)

            #expect(result.termination == .exited(1), "\(result.transcript)")
            let report = RunReport(result.stdout)
            let ending = report.events("sleeper").last ?? ""
            #expect(ending.hasPrefix("agent lost"), "\(result.stdout)")
            #expect(ending.contains("heartbeat"), "the detail does not say why: \(ending)")
            #expect(report.row("sleeper")?.status == "agent lost", "\(result.stdout)")
            #expect(coordinator.isRunning, "\(coordinator.transcript)")

            // Resumed, the agent reconnects and reports the job; the coordinator, which gave up on it, has it killed.
            let survivors = await waitUntilGone(harness.recordedPIDs(pids), timeout: .seconds(20))
            #expect(survivors.isEmpty,
                    "job processes outlived the resumed agent: \(survivors.map { "\($0) \(procState($0))" })\n\(agent.transcript)")
        }
    }
}
