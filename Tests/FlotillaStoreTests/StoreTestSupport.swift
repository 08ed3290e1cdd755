import FlotillaCore
@testable import FlotillaStore
import TestSupport
import WireProtocol

/// A store in a fresh temporary state directory, removed with the value.
final class StoreFixture {
    let directory: TemporaryDirectory
    let store: CoordinatorStore

    init(_ name: String = "store") throws {
        directory = try TemporaryDirectory(prefix: "flotilla-\(name)")
        store = try CoordinatorStore(stateDirectory: directory.file("state"))
    }

    var stateDirectory: String { directory.file("state") }

    /// Another handle on the same state directory.
    func reopen(mode: CoordinatorStore.AccessMode = .readWrite) throws -> CoordinatorStore {
        try CoordinatorStore(stateDirectory: stateDirectory, mode: mode)
    }
}

enum Samples {
    /// A job using every field of `PlannedJob`, with typed and nested matrix values.
    static func job(_ id: String, needs: [String] = []) -> PlannedJob {
        var job = PlannedJob(
            id: id, jobKey: "test", displayName: "test (linux, 6.0)",
            matrix: [
                MatrixEntry(axis: "os", value: "linux"),
                MatrixEntry(axis: "swift", value: "6.0", typedValue: .number(6.0)),
                MatrixEntry(axis: "cfg", value: #"{"z":1,"a":[true,null,"x"]}"#,
                            typedValue: .object([(key: "z", value: .number(1)),
                                                 (key: "a", value: .array([.bool(true), .null, .string("x")]))])),
            ],
            runsOn: ["linux", "x86_64"], needs: needs,
            env: [EnvPair(name: "B", value: "2"), EnvPair(name: "A", value: "1 / ü")],
            timeoutMillis: 90_000, continueOnError: true, condition: "always()", matrixGroup: "test",
            failFast: false, maxParallel: 3,
            steps: [
                PlannedStep(id: "build", name: "Build", condition: "success()", run: "swift build\necho \"done\"",
                            shell: "sh", env: [EnvPair(name: "CC", value: "clang")], workingDirectory: "sub",
                            timeoutMillis: 5000, continueOnError: true),
                PlannedStep(name: "Test", run: "swift test"),
            ],
            artifacts: [ArtifactSpec(path: "build/**/*.xml", name: "results", kind: .junit),
                        ArtifactSpec(path: "cov.info", name: "cov", kind: .coverage)])
        job.shard = ShardSpec(count: .fixed(4), source: .list(command: "swift test list"))
        job.shardTests = ["A.test1", "B/test2"]
        job.shardMember = ShardMember(parentID: "test-linux", index: 1, count: 4)
        job.retry = RetryPolicy(maxRetries: 3, on: [.agentLost, .failure])
        job.benchmark = BenchmarkSpec(repeatCount: 7, warmup: 2)
        return job
    }

    /// Gates using every rule.
    static let gates = [
        GateSpec(name: "unit tests", rule: .tests(maxFailures: 0)),
        GateSpec(name: "coverage", rule: .coverage(minPercent: 72.5), blocking: false),
        GateSpec(name: "security", rule: .security(maxCritical: 0, maxHigh: 2), critical: false),
        GateSpec(name: "builds", rule: .jobs(["build", "package"])),
        GateSpec(name: "all", rule: .jobs([])),
        GateSpec(name: "speed", rule: .performance(maxRegressionPercent: 20, minEffectPercent: 2.5), blocking: false),
    ]

    static func plan(_ jobs: [PlannedJob]) -> Plan { Plan(jobs: jobs, warnings: ["ignored"], gates: gates) }

    static func run(_ id: String, at time: Int64 = 1_700_000_000_000, bundleAvailable: Bool = true) -> StoredRun {
        StoredRun(id: id, submit: SubmitRun(pipelineFileName: "ci.yml", pipelineText: "jobs:\n  test: {}\n",
                                            bundleSHA256: String(repeating: "ab", count: 32), bundleSize: 12_345,
                                            sourceRevision: "git:0123abc"),
                  submitter: "ci-user", emergency: false, bundleAvailable: bundleAvailable, submittedAt: time)
    }

    /// Inserts a run with jobs `build` and `test` (needs build).
    @discardableResult
    static func insertRun(_ store: CoordinatorStore, _ id: String, at time: Int64 = 1_700_000_000_000) throws -> StoredRun {
        let run = run(id, at: time)
        try store.insertRun(run, plan: plan([job("build"), job("test", needs: ["build"])]))
        return run
    }
}
