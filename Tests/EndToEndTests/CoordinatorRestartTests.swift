#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import FlotillaStore
import Foundation
import Testing
import TestSupport
import WireProtocol

extension EndToEndTests {
    /// Issue 5's acceptance: a coordinator killed with SIGKILL again and again during a run loses nothing.
    @Suite("Coordinator restarts")
    struct CoordinatorRestartTests {
        static let jobs = 40
        static let kills = 12

        @Test("kill -9 of the coordinator a dozen times during 40 jobs on 4 agents: every job succeeds once, artifacts verify")
        func killedCoordinatorLosesNothing() async throws {
            let harness = try FlotillaHarness("coordinator-restarts")
            defer { harness.shutdown() }
            let agentNames = ["a1", "a2", "a3", "a4"]
            let pki = try await harness.makePKI(agents: agentNames)
            let heartbeats = ["--heartbeat-interval-ms", "200", "--heartbeat-timeout-ms", "2000"]
            var (coordinator, port) = try await harness.startCoordinator(pki: pki, extraArguments: heartbeats)
            for name in agentNames {
                _ = try await harness.startAgent(name: name, labels: ["linux"], pki: pki, port: port, coordinator: coordinator)
            }
            let starts = harness.directory.file("starts.log")
            let pids = harness.pidFile("restart.pids")
            let values = (1...Self.jobs).map(String.init).joined(separator: ", ")
            // Each job records that it started (to prove none starts twice), works 1–2 s and
            // leaves an artifact with content only it can know.
            let pipeline = try harness.writePipeline("""
                jobs:
                  work:
                    runs-on: [linux]
                    strategy:
                      matrix:
                        i: [\(values)]
                    artifacts:
                      - path: out/result-*.txt
                    steps:
                      - name: Work
                        run: |
                          echo $$ >> '\(pids)'
                          echo "${{ matrix.i }}" >> '\(starts)'
                          sleep 0.$(( ${{ matrix.i }} % 10 ))5
                          sleep 1
                          mkdir -p out
                          echo "job ${{ matrix.i }} on $FLOTILLA_AGENT_NAME" > out/result-${{ matrix.i }}.txt
                """)
            let source = try harness.directory.makeDirectory("source")
            let endpoint = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]
            let submitted = try await harness.run(["submit", pipeline, "--source", source] + endpoint, label: "submit")
            try #require(submitted.termination == .exited(0), "\(submitted.transcript)")
            let runID = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let verdictPath = harness.directory.file("verdict.json")
            // One `wait` across every restart: it reconnects and follows the run again each time.
            let wait = try harness.start(["wait", runID, "--json", verdictPath] + endpoint, label: "wait")

            var random = SeededGenerator(seed: 20_261_124)
            var killed = 0
            var resumed: [String] = []
            for _ in 1...Self.kills {
                let pause = Int.random(in: 300...1_200, using: &random)
                try await Task.sleep(for: .milliseconds(pause))
                guard wait.isRunning else { break }
                #expect(coordinator.send(SIGKILL))
                killed += 1
                _ = await coordinator.waitForExit(timeout: .seconds(10))
                coordinator = try await restartCoordinator(harness, pki: pki, port: port, extraArguments: heartbeats)
                resumed += coordinator.stderr.split(separator: "\n").filter { $0.contains("resumed unfinished runs") }.map(String.init)
            }
            #expect(killed == Self.kills, "the run ended after \(killed) kills: make its jobs longer")
            #expect(resumed.count == killed, "every restart resumed the run: \(resumed)")
            #expect(resumed.contains { !$0.contains("attempts.awaiting_agents=0") },
                    "no restart found a job running to reclaim: \(resumed)")

            let result = try await harness.finish(wait, timeout: .seconds(240))
            #expect(result.termination == .exited(0), "\(result.transcript)\n\(coordinator.transcript)")
            let verdict = (try? String(contentsOfFile: verdictPath, encoding: .utf8)) ?? ""
            #expect(verdict.contains(#""verdict": "pass""#), "\(verdict)")

            // Every job started once and has exactly one recorded success.
            let started = harness.recordedPIDs(starts).map(Int.init)
            #expect(started.sorted() == Array(1...Self.jobs), "job starts (a job started twice or never): \(started.sorted())")
            #expect(coordinator.send(SIGTERM))
            _ = await coordinator.waitForExit(timeout: .seconds(20))
            let store = try CoordinatorStore(stateDirectory: harness.directory.file("coordinator-state"), mode: .readOnly)
            let attempts = try store.attempts(ofRun: runID)
            let successes = Dictionary(grouping: attempts.filter { $0.state == .succeeded }, by: { $0.ref.jobID })
            #expect(successes.count == Self.jobs, "\(attempts)")
            #expect(successes.values.allSatisfy { $0.count == 1 }, "\(attempts)")

            // Every artifact is present once and verifies.
            let (_, port2) = try await harness.startCoordinator(pki: pki, extraArguments: heartbeats)
            // A run from before the restart: its verdict and job table come from the store.
            let again = try await harness.run(["wait", runID, "--coordinator", "127.0.0.1:\(port2)", "--pki", pki,
                                               "--name", "tester"], label: "wait-after")
            #expect(again.termination == .exited(0), "\(again.transcript)")
            #expect(again.stdout.contains("work (40)") && again.stdout.contains("succeeded"), "\(again.stdout)")
            let output = harness.directory.file("downloaded")
            let get = try await harness.run(["artifacts", "get", runID, "--all", "-o", output,
                                             "--coordinator", "127.0.0.1:\(port2)", "--pki", pki, "--name", "tester"],
                                            label: "get")
            #expect(get.termination == .exited(0), "\(get.transcript)")
            let (sums, transcript) = try await ArtifactTests.checkSums(harness, in: output)
            #expect(sums == .exited(0), "\(transcript)")
            for i in 1...Self.jobs {
                let text = (try? String(contentsOfFile: output + "/result-\(i).txt", encoding: .utf8)) ?? ""
                #expect(text.hasPrefix("job \(i) on "), "result-\(i).txt: \(text)")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: output).filter { $0 != "SHA256SUMS" }
            #expect(names.count == Self.jobs, "each artifact once: \(names.sorted())")
        }

        @Test("a graceful restart (SIGTERM) of the coordinator: the running job goes on, wait and run follow it to the end")
        func gracefulRestart() async throws {
            let harness = try FlotillaHarness("coordinator-sigterm")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["solo"])
            var (coordinator, port) = try await harness.startCoordinator(pki: pki)
            _ = try await harness.startAgent(name: "solo", labels: ["linux"], pki: pki, port: port, coordinator: coordinator)
            let starts = harness.directory.file("starts.log")
            let pipeline = try harness.writePipeline("""
                jobs:
                  slow:
                    runs-on: [linux]
                    steps:
                      - run: echo started >> '\(starts)' && sleep 3 && echo done
                """)
            let endpoint = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]
            let run = try harness.start(["run", pipeline, "--source", try harness.directory.makeDirectory("src")] + endpoint,
                                        label: "run")
            try #require(await run.waitForOutput(containing: "slow: running on solo", timeout: FlotillaHarness.commandTimeout),
                         "\(run.transcript)")
            let runID = try #require(run.stdout.split(separator: "\n").first?.split(separator: " ").dropFirst().first
                .map { String($0.dropLast()) }, "\(run.stdout)")
            let wait = try harness.start(["wait", runID] + endpoint, label: "wait")
            try #require(await wait.waitForOutput(containing: "slow", timeout: FlotillaHarness.commandTimeout), "\(wait.transcript)")
            #expect(coordinator.send(SIGTERM))
            _ = await coordinator.waitForExit(timeout: .seconds(20))
            coordinator = try await restartCoordinator(harness, pki: pki, port: port, extraArguments: [])
            for (label, process) in [("run", run), ("wait", wait)] {
                let result = try await harness.finish(process, timeout: .seconds(120))
                #expect(result.termination == .exited(0), "\(label): \(result.transcript)\n\(coordinator.transcript)")
                #expect(result.stdout.contains("reconnected"), "\(label) followed the run again: \(result.stdout)")
            }
            #expect((try? String(contentsOfFile: starts, encoding: .utf8)) == "started\n", "the job started once")
        }

        /// Starts the coordinator again on the same port and state, once the old port is free.
        private func restartCoordinator(_ harness: FlotillaHarness, pki: String, port: UInt16,
                                        extraArguments: [String]) async throws -> ChildProcess {
            let marker = "flotilla coordinator listening on 127.0.0.1:\(port)"
            for _ in 0..<50 {
                let process = try harness.start(["coordinator", "--listen", "127.0.0.1:\(port)", "--pki", pki,
                                                 "--state", harness.directory.file("coordinator-state")] + extraArguments,
                                                label: "coordinator")
                if await process.waitForOutput(.stdout, containing: marker, timeout: FlotillaHarness.startupTimeout) {
                    return process
                }
                // The port may still be held for a moment; anything else is a failure to report.
                _ = await process.waitForExit(timeout: .seconds(5))
                guard process.stderr.contains("in use") else {
                    throw HarnessError("the coordinator did not restart:\n\(process.transcript)")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw HarnessError("port \(port) stayed in use")
        }
    }
}
