import FlotillaCoordinator
import FlotillaCore
import WireProtocol

/// `flotilla-bench core`: the coordinator's decision cost per job as runs grow.
///
/// Drives `CoordinatorCore` directly (no sockets, no processes): N agents, one run of
/// `jobs` independent jobs, and for every assignment the agent's `JobStarted` and
/// `JobFinished`. The figure is CPU-bound wall time per job; the reference is the same
/// measurement for a run of `referenceJobs` jobs in the same process. A core whose work per
/// event does not depend on run size gives a ratio near 1; work linear in the run's
/// size per event gives about `jobs / referenceJobs`.
struct CoreScalingBenchmark {
    let agents: Int
    let jobs: Int
    let referenceJobs: Int

    struct Result {
        var microsPerJob: Double
        var referenceMicrosPerJob: Double
    }

    func run() throws(BenchError) -> Result {
        // Warm caches and lazy initialisation once before either measurement.
        _ = try measure(jobs: min(referenceJobs, 50))
        let reference = try measure(jobs: referenceJobs)
        let large = try measure(jobs: jobs)
        return Result(microsPerJob: large, referenceMicrosPerJob: reference)
    }

    /// Runs one plan of `jobs` jobs through the core; returns µs per job (placement to finish).
    private func measure(jobs: Int) throws(BenchError) -> Double {
        var text = "name: core scaling\non: [push]\njobs:\n"
        for index in 1...jobs { text += "  t\(index):\n    runs-on: bench\n    steps:\n      - run: \"true\"\n" }
        let plan: Plan
        do {
            plan = try Planner.plan(try PipelineLoader.load(text: text, fileName: "core.yml"))
        } catch {
            throw .setup("cannot plan the core benchmark pipeline: \(error)")
        }
        var core = CoordinatorCore(runIDPrefix: "core")
        var now: UInt64 = 1
        for agent in 1...agents {
            _ = core.agentRegistered(ConnectionID(agent), hello: Hello(
                minVersion: ProtocolVersion.supported.lowerBound, maxVersion: ProtocolVersion.supported.upperBound,
                role: .agent, name: "core-\(agent)", labels: ["bench"], capacity: 1), now: now)
        }
        let client: ConnectionID = 1_000
        core.clientRegistered(client)
        let submit = SubmitRun(pipelineFileName: "core.yml", pipelineText: text, bundleSHA256: "", bundleSize: 0,
                               sourceRevision: "core")

        let start = BenchClock.monotonicMicros()
        var (_, actions) = core.runSubmitted(by: client, submit: submit, plan: plan, bundleAvailable: true, now: now)
        var pending: [(ConnectionID, JobRef)] = []
        var finished = false
        var processed = 0
        while true {
            for action in actions {
                switch action {
                case .send(let agent, .assignJob(let assignment)): pending.append((agent, assignment.job))
                case .send(_, .runFinished(let result)):
                    guard result.outcome == .succeeded else { throw .runFailed("core run ended \(result.outcome)") }
                    finished = true
                default: break
                }
            }
            guard !pending.isEmpty else { break }
            let (agent, job) = pending.removeFirst()
            now += 1
            _ = core.received(.jobStarted(JobStarted(job: job)), from: agent, now: now)
            actions = core.received(.jobFinished(JobFinished(job: job, outcome: .success, exitCode: 0, durationMillis: 1)),
                                    from: agent, now: now)
            processed += 1
        }
        let elapsed = BenchClock.monotonicMicros() - start
        guard finished, processed == jobs else {
            throw .runFailed("core run processed \(processed) of \(jobs) jobs (finished: \(finished))")
        }
        return Double(elapsed) / Double(jobs)
    }
}
