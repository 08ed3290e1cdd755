#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing
import TestSupport

extension EndToEndTests {
    /// `submit`, `wait`, `cancel`, `drain`, and remote `runs`/`agents` against a coordinator process.
    @Suite("Operator commands")
    struct OperatorCommandTests {
        @Test("submit prints the id, wait follows it, cancel kills the job, drain holds work back, lists are remote")
        func operateAFleet() async throws {
            let harness = try FlotillaHarness("operator")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["solo"])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            _ = try await harness.startAgent(name: "solo", labels: ["linux"], pki: pki, port: port, coordinator: coordinator,
                                             extraArguments: ["--kill-grace-ms", "500"])
            let source = try harness.directory.makeDirectory("src")
            _ = try harness.directory.write("hello\n", to: "src/README")
            let remote = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]

            // Without --coordinator there is nothing to submit to.
            let lonely = try await harness.run(["submit", "x.yml"], label: "submit-local")
            #expect(lonely.termination == .exited(2), "\(lonely.transcript)")
            #expect(lonely.stderr.contains("embedded coordinator"), "\(lonely.stderr)")

            // 1. submit returns with the id alone on stdout; wait exits 0 with the verdict.
            let quick = try harness.writePipeline("""
                jobs:
                  nap:
                    runs-on: [linux]
                    steps:
                      - run: sleep 2 && cat README
                """, name: "quick.yml")
            let submitted = try await harness.run(["submit", quick, "--source", source] + remote, label: "submit")
            #expect(submitted.termination == .exited(0), "\(submitted.transcript)")
            let lines = submitted.stdout.split(separator: "\n")
            try #require(lines.count == 1, "stdout must be the run id alone: \(submitted.stdout)")
            let runID = String(lines[0])
            let verdictPath = harness.directory.file("verdict.json")
            let waited = try await harness.run(["wait", runID, "--json", verdictPath] + remote, label: "wait")
            #expect(waited.termination == .exited(0), "\(waited.transcript)")
            let verdictData = try #require(FileManager.default.contents(atPath: verdictPath), "\(waited.transcript)")
            let verdict = try #require(try JSONSerialization.jsonObject(with: verdictData) as? [String: Any])
            #expect(verdict["run"] as? String == runID)
            #expect(verdict["verdict"] as? String == "pass")
            // A finished run is answered at once, from the coordinator's memory and store.
            let again = try await harness.run(["wait", runID] + remote, label: "wait-again")
            #expect(again.termination == .exited(0), "\(again.transcript)")
            let unknown = try await harness.run(["wait", "no-such-run"] + remote, label: "wait-unknown")
            #expect(unknown.termination == .exited(2), "\(unknown.transcript)")

            // Logs over TLS read exactly what the coordinator's state directory holds.
            let remoteLogs = try await harness.run(["logs", runID, "nap"] + remote, label: "logs-remote")
            #expect(remoteLogs.termination == .exited(0), "\(remoteLogs.transcript)")
            #expect(remoteLogs.stdout.hasPrefix("=== nap (attempt 1, agent solo) ===\n"), "\(remoteLogs.stdout)")
            #expect(remoteLogs.stdout.contains("hello\n"), "\(remoteLogs.stdout)")
            let localLogs = try await harness.run(["logs", runID, "--state", harness.directory.file("coordinator-state")],
                                                  label: "logs-local")
            #expect(localLogs.termination == .exited(0), "\(localLogs.transcript)")
            #expect(localLogs.stdout == remoteLogs.stdout, "local:\n\(localLogs.stdout)\nremote:\n\(remoteLogs.stdout)")
            let noJob = try await harness.run(["logs", runID, "nope"] + remote, label: "logs-no-job")
            #expect(noJob.termination == .exited(2) && noJob.stderr.contains("has no job 'nope'"), "\(noJob.transcript)")
            let noRun = try await harness.run(["logs", "no-such-run"] + remote, label: "logs-no-run")
            #expect(noRun.termination == .exited(2) && noRun.stderr.contains("no run 'no-such-run'"), "\(noRun.transcript)")

            // 2. cancel: the job's processes are killed and wait exits 1.
            let pids = harness.pidFile("long.pids")
            let long = try harness.writePipeline("""
                jobs:
                  long:
                    runs-on: [linux]
                    retry: {max: 0}
                    steps:
                      - run: |
                          echo $$ >> '\(pids)'
                          sleep 60 &
                          echo $! >> '\(pids)'
                          wait
                """, name: "long.yml")
            let longSubmit = try await harness.run(["submit", long, "--source", source] + remote, label: "submit-long")
            #expect(longSubmit.termination == .exited(0), "\(longSubmit.transcript)")
            let longID = longSubmit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let deadline = ContinuousClock.now + FlotillaHarness.startupTimeout
            while harness.recordedPIDs(pids).count < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(harness.recordedPIDs(pids).count == 2, "the long job did not start:\n\(coordinator.transcript)")
            let watcher = try harness.start(["wait", longID] + remote, label: "wait-long")
            let cancelled = try await harness.run(["cancel", longID] + remote, label: "cancel")
            #expect(cancelled.termination == .exited(0), "\(cancelled.transcript)")
            let watched = try await harness.finish(watcher)
            #expect(watched.termination == .exited(1), "\(watched.transcript)")
            #expect(watched.stdout.contains("cancelled"), "\(watched.stdout)")
            let survivors = await waitUntilGone(harness.recordedPIDs(pids), timeout: .seconds(20))
            #expect(survivors.isEmpty, "job processes outlived the cancel: \(survivors.map { "\($0) \(procState($0))" })")
            let cancelAgain = try await harness.run(["cancel", longID] + remote, label: "cancel-again")
            #expect(cancelAgain.termination == .exited(2), "\(cancelAgain.transcript)")

            // 3. drain: a submitted run stays queued until the agent is put back.
            let drained = try await harness.run(["drain", "solo"] + remote, label: "drain")
            #expect(drained.termination == .exited(0), "\(drained.transcript)")
            let marker = harness.directory.file("held.marker")
            let held = try harness.writePipeline("""
                jobs:
                  held:
                    runs-on: [linux]
                    steps:
                      - run: touch '\(marker)'
                """, name: "held.yml")
            let heldSubmit = try await harness.run(["submit", held, "--source", source] + remote, label: "submit-held")
            #expect(heldSubmit.termination == .exited(0), "\(heldSubmit.transcript)")
            let heldID = heldSubmit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let agents = try await harness.run(["agents", "--json"] + remote, label: "agents")
            #expect(agents.termination == .exited(0), "\(agents.transcript)")
            let agentList = try #require(try JSONSerialization.jsonObject(with: Data(agents.stdout.utf8)) as? [String: Any])
            let solo = try #require((agentList["agents"] as? [[String: Any]])?.first { $0["name"] as? String == "solo" },
                                    "\(agents.stdout)")
            #expect(solo["drained"] as? Bool == true)
            #expect(solo["connected"] as? Bool == true)
            #expect(solo["running"] as? Int == 0)

            let runs = try await harness.run(["runs", "--json"] + remote, label: "runs")
            #expect(runs.termination == .exited(0), "\(runs.transcript)")
            let runList = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [String: Any])
            let listed = try #require(runList["runs"] as? [[String: Any]], "\(runs.stdout)")
            #expect(listed.map { $0["id"] as? String } == [heldID, longID, runID])
            #expect(listed.first?["state"] as? String == "active")
            #expect(listed.first?["outcome"] is NSNull)
            #expect(listed.first?["submitter"] as? String == "tester")
            #expect(listed.dropFirst().map { $0["outcome"] as? String } == ["cancelled", "succeeded"])
            #expect(!FileManager.default.fileExists(atPath: marker), "a drained agent ran a new job")

            let undrained = try await harness.run(["drain", "solo", "--undo"] + remote, label: "undrain")
            #expect(undrained.termination == .exited(0), "\(undrained.transcript)")
            let heldWait = try await harness.run(["wait", heldID] + remote, label: "wait-held")
            #expect(heldWait.termination == .exited(0), "\(heldWait.transcript)")
            #expect(FileManager.default.fileExists(atPath: marker))

            let nobody = try await harness.run(["drain", "nobody"] + remote, label: "drain-unknown")
            #expect(nobody.termination == .exited(2), "\(nobody.transcript)")
        }
    }
}

extension EndToEndTests.OperatorCommandTests {
    @Test("a detached run nobody watches is judged when it ends: a later wait gets its verdict")
    func unwatchedRunIsJudged() async throws {
        let harness = try FlotillaHarness("operator-unwatched")
        defer { harness.shutdown() }
        let pki = try await harness.makePKI(agents: ["solo"])
        let (coordinator, port) = try await harness.startCoordinator(pki: pki)
        _ = try await harness.startAgent(name: "solo", labels: ["linux"], pki: pki, port: port, coordinator: coordinator)
        let remote = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]
        let pipeline = try harness.writePipeline("""
            jobs:
              quick:
                runs-on: [linux]
                steps:
                  - run: echo quick
            gates:
              - {name: all jobs, kind: jobs}
            """)
        let submitted = try await harness.run(["submit", pipeline, "--source", try harness.directory.makeDirectory("src")] + remote,
                                              label: "submit")
        try #require(submitted.termination == .exited(0), "\(submitted.transcript)")
        let runID = submitted.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // Nobody follows it; wait (bounded) until the coordinator has it finished.
        var finished = false
        for _ in 0..<100 where !finished {
            let runs = try await harness.run(["runs"] + remote, label: "runs")
            finished = runs.stdout.split(separator: "\n").contains { $0.hasPrefix(runID) && $0.contains("succeeded") }
            if !finished { try await Task.sleep(for: .milliseconds(100)) }
        }
        try #require(finished, "the run did not finish")
        let json = harness.directory.file("verdict.json")
        let waited = try await harness.run(["wait", runID, "--json", json] + remote, label: "wait")
        #expect(waited.termination == .exited(0), "\(waited.transcript)")
        let verdict = (try? String(contentsOfFile: json, encoding: .utf8)) ?? ""
        #expect(verdict.contains(#""verdict": "pass""#) && verdict.contains("all jobs"), "\(verdict)")
    }
}
