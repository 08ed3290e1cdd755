import FlotillaCore
import FlotillaCoordinator
import WireProtocol

/// Shared fixtures for the coordinator-core tests: hellos, hand-built plans and action filters.
enum Fixture {
    static let sha = "5d41402abc4b2a76b9719d911017c592ae0d0f13d6d5c7a9e3b1d0e2c7f8a9b0"
    static let client: ConnectionID = 100

    static func hello(_ name: String, labels: [String] = ["linux"], capacity: UInt32 = 1) -> Hello {
        Hello(minVersion: 1, maxVersion: 1, role: .agent, name: name, labels: labels, capacity: capacity)
    }

    static func submit(sha: String = Fixture.sha, size: UInt64 = 4096) -> SubmitRun {
        SubmitRun(pipelineFileName: "ci.yml", pipelineText: "jobs: {}", bundleSHA256: sha, bundleSize: size,
                  sourceRevision: "deadbeef")
    }

    /// A one-step job; the display name is the id in upper case so tests can tell them apart.
    static func job(_ id: String, runsOn: [String] = ["linux"], needs: [String] = [], condition: String = "",
                    continueOnError: Bool = false, group: String = "", failFast: Bool = true,
                    maxParallel: Int = 0, steps: [PlannedStep]? = nil) -> PlannedJob {
        PlannedJob(id: id, jobKey: group.isEmpty ? id : group, displayName: id.uppercased(), runsOn: runsOn,
                   needs: needs, continueOnError: continueOnError, condition: condition, matrixGroup: group,
                   failFast: failFast, maxParallel: maxParallel,
                   steps: steps ?? [PlannedStep(id: "main", name: "Run \(id)", run: "echo \(id)")])
    }

    /// Matrix siblings `<group>-1` … `<group>-n` (display names `<group> (i)`).
    /// The job with `retry: {max: 0}`: a lost agent ends it for good.
    static func withoutRetries(_ job: PlannedJob) -> PlannedJob {
        var job = job
        job.retry = RetryPolicy(maxRetries: 0, on: [])
        return job
    }

    static func matrix(_ group: String, count: Int, failFast: Bool = true, maxParallel: Int = 0,
                       continueOnError: Bool = false) -> [PlannedJob] {
        (1...count).map { i in
            PlannedJob(id: "\(group)-\(i)", jobKey: group, displayName: "\(group) (\(i))",
                       matrix: [MatrixEntry(axis: "i", value: "\(i)")], runsOn: ["linux"],
                       continueOnError: continueOnError, matrixGroup: group, failFast: failFast,
                       maxParallel: maxParallel, steps: [PlannedStep(name: "Run", run: "make test")])
        }
    }

    static func ref(_ runID: String, _ jobID: String, attempt: UInt32 = 1) -> JobRef {
        JobRef(runID: runID, jobID: jobID, attempt: attempt)
    }

    static func event(_ runID: String, _ jobID: String, _ state: JobState, agent: String = "", detail: String = "") -> CoordinatorAction {
        .send(client, .jobEvent(JobEvent(runID: runID, jobID: jobID, state: state, agentName: agent, detail: detail)))
    }

    /// The assignment of a `Fixture.job(id)` job.
    static func assignment(_ runID: String, _ jobID: String, attempt: UInt32 = 1) -> JobAssignment {
        JobAssignment(job: ref(runID, jobID, attempt: attempt), name: jobID.uppercased(), bundleSHA256: sha,
                      bundleSize: 4096, env: [],
                      steps: [StepSpec(id: "main", name: "Run \(jobID)", run: "echo \(jobID)")], timeoutMillis: 0)
    }

    /// The two actions that place a `Fixture.job(id)` job: the assignment, then the client's event.
    static func placed(_ connection: ConnectionID, _ runID: String, _ jobID: String, agent: String) -> [CoordinatorAction] {
        [.send(connection, .assignJob(assignment(runID, jobID))), event(runID, jobID, .assigned, agent: agent)]
    }

    static func finished(_ runID: String, _ jobID: String, _ outcome: ExecutionOutcome, exitCode: Int32 = 0,
                         attempt: UInt32 = 1) -> Message {
        .jobFinished(JobFinished(job: ref(runID, jobID, attempt: attempt), outcome: outcome, exitCode: exitCode, durationMillis: 1))
    }

    static func started(_ runID: String, _ jobID: String, attempt: UInt32 = 1) -> Message {
        .jobStarted(JobStarted(job: ref(runID, jobID, attempt: attempt)))
    }

    /// A core with one registered client and the given agents (connection ids 1, 2, …).
    static func core(agents: [Hello] = [], evaluator: CoordinatorCore.ConditionEvaluator? = nil) -> CoordinatorCore {
        var core = CoordinatorCore(runIDPrefix: "t", conditionEvaluator: evaluator)
        core.clientRegistered(client)
        for (i, hello) in agents.enumerated() {
            let actions = core.agentRegistered(ConnectionID(i + 1), hello: hello, now: 0)
            precondition(actions.isEmpty, "registering into an empty coordinator does nothing")
        }
        return core
    }
}

extension Array where Element == CoordinatorAction {
    /// Every `AssignJob`, with the connection it goes to, in order.
    var assignments: [(ConnectionID, JobAssignment)] {
        compactMap { if case .send(let c, .assignJob(let a)) = $0 { (c, a) } else { nil } }
    }

    /// Job ids of the assignments, as `connection:jobID`, in order.
    var placed: [String] { assignments.map { "\($0.0):\($0.1.job.jobID)" } }

    var cancels: [(ConnectionID, CancelJob)] {
        compactMap { if case .send(let c, .cancelJob(let m)) = $0 { (c, m) } else { nil } }
    }

    var jobEvents: [JobEvent] {
        compactMap { if case .send(_, .jobEvent(let e)) = $0 { e } else { nil } }
    }

    var runFinished: RunFinished? {
        compactMap { if case .send(_, .runFinished(let r)) = $0 { r } else { nil } }.first
    }
}

extension CoordinatorCore {
    /// Submits a hand-built plan from the fixture client with the bundle already stored.
    mutating func submit(_ jobs: [PlannedJob], now: UInt64 = 0, client: ConnectionID? = Fixture.client)
        -> (String, [CoordinatorAction]) {
        runSubmitted(by: client, submit: Fixture.submit(), plan: Plan(jobs: jobs), bundleAvailable: true, now: now)
    }

    func state(_ runID: String, _ jobID: String) -> JobState? {
        guard let run = runs[runID], let i = run.indexByID[jobID] else { return nil }
        return run.jobs[i].state
    }

    func job(_ runID: String, _ jobID: String) -> JobRecord? {
        guard let run = runs[runID], let i = run.indexByID[jobID] else { return nil }
        return run.jobs[i]
    }
}
