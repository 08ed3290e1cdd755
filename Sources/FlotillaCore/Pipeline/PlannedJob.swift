/// A pipeline after matrix expansion: what the coordinator schedules.
///
/// Produced by `Planner.plan(_:)` from a loaded `Pipeline`; consumed by the coordinator
/// (placement, `needs` ordering) and, as wire `JobAssignment`s, by agents.
public struct Plan: Sendable, Equatable {
    /// Jobs in a deterministic order: workflow order of job keys, then matrix order.
    public var jobs: [PlannedJob]
    /// Non-fatal findings (ignored keys, skipped `uses:` steps), each with file:line:col.
    public var warnings: [String]
    /// The pipeline's `gates:`, judged by `GateEvaluator` when every job has finished.
    public var gates: [GateSpec]
    public init(jobs: [PlannedJob], warnings: [String] = [], gates: [GateSpec] = []) {
        self.jobs = jobs; self.warnings = warnings; self.gates = gates
    }
}

/// One schedulable job: a single matrix combination of a `jobs.<key>` entry.
public struct PlannedJob: Sendable, Equatable {
    /// Unique within the plan: the job key, plus the matrix values for matrix jobs
    /// (for example `test-linux-6.0`), stable for the same file.
    public var id: String
    /// The key under `jobs:`.
    public var jobKey: String
    /// What people see: `name:` or the key, with GitHub's matrix suffix: `test (linux, 6.0)`.
    public var displayName: String
    /// The matrix combination, in axis order; empty for non-matrix jobs.
    public var matrix: [MatrixEntry]
    /// Labels an agent must all carry.
    public var runsOn: [String]
    /// Ids of planned jobs that must succeed first (all combinations of a needed matrix job).
    public var needs: [String]
    /// Workflow env merged with job env (job wins), expressions resolved.
    public var env: [EnvPair]
    /// Zero means no limit.
    public var timeoutMillis: UInt64
    public var continueOnError: Bool
    /// The job's `if:` expression without `${{ }}`; empty means `success()`.
    public var condition: String
    /// Matrix siblings share a group; with fail-fast a failure cancels the group's unfinished jobs.
    public var matrixGroup: String
    public var failFast: Bool
    /// Zero means unlimited.
    public var maxParallel: Int
    public var steps: [PlannedStep]
    /// The job's `shard:` with plan-time expressions resolved; nil when the job is not sharded
    /// or is already a shard (see `ShardExpansion`).
    public var shard: ShardSpec? = nil
    /// A shard job's test ids, for the agent to write to `FLOTILLA_SHARD_FILE`; empty otherwise.
    public var shardTests: [String] = []
    /// Set on shard jobs only: which shard of which job this is.
    public var shardMember: ShardMember? = nil
    /// Files the agent collects after the steps (`artifacts:`), expressions resolved, names unique.
    public var artifacts: [ArtifactSpec]
    /// When the coordinator runs the job again (`retry:`).
    public var retry: RetryPolicy = .default
    /// `benchmark:`: the agent repeats the steps and reports metrics; nil for ordinary jobs.
    public var benchmark: BenchmarkSpec? = nil

    public init(id: String, jobKey: String, displayName: String, matrix: [MatrixEntry] = [], runsOn: [String],
                needs: [String] = [], env: [EnvPair] = [], timeoutMillis: UInt64 = 0,
                continueOnError: Bool = false, condition: String = "", matrixGroup: String = "",
                failFast: Bool = true, maxParallel: Int = 0, steps: [PlannedStep], artifacts: [ArtifactSpec] = []) {
        self.id = id; self.jobKey = jobKey; self.displayName = displayName; self.matrix = matrix
        self.runsOn = runsOn; self.needs = needs; self.env = env; self.timeoutMillis = timeoutMillis
        self.continueOnError = continueOnError; self.condition = condition; self.matrixGroup = matrixGroup
        self.failFast = failFast; self.maxParallel = maxParallel; self.steps = steps
        self.artifacts = artifacts
    }
}

/// One axis value of a matrix combination.
public struct MatrixEntry: Sendable, Equatable {
    public var axis: String
    /// The value as GitHub would render it in a display name (`6.0`, `ubuntu`, `{"a":1}` as JSON).
    public var value: String
    /// The value with its YAML type (numbers stay numbers, objects stay objects), for JSON output
    /// and for rebuilding the `matrix` expression context on the agent.
    public var typedValue: ExpressionValue
    public init(axis: String, value: String, typedValue: ExpressionValue? = nil) {
        self.axis = axis; self.value = value; self.typedValue = typedValue ?? .string(value)
    }
}

/// One step of a planned job; `run` keeps runtime-only expressions (`steps.*`, `runner.*`) for the agent.
public struct PlannedStep: Sendable, Equatable {
    public var id: String
    public var name: String
    public var condition: String
    public var run: String
    /// `bash` or `sh`.
    public var shell: String
    public var env: [EnvPair]
    public var workingDirectory: String
    public var timeoutMillis: UInt64
    public var continueOnError: Bool
    public init(id: String = "", name: String, condition: String = "", run: String, shell: String = "bash",
                env: [EnvPair] = [], workingDirectory: String = "", timeoutMillis: UInt64 = 0,
                continueOnError: Bool = false) {
        self.id = id; self.name = name; self.condition = condition; self.run = run; self.shell = shell
        self.env = env; self.workingDirectory = workingDirectory; self.timeoutMillis = timeoutMillis
        self.continueOnError = continueOnError
    }
}

/// An ordered environment entry.
public struct EnvPair: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}
