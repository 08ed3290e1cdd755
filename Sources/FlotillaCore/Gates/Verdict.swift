/// The single answer for a run — may this commit ship? — with the evidence behind it.
///
/// Built by `GateEvaluator.judge`; rendered by `VerdictRenderer` as JSON (machine-readable, and
/// what the coordinator sends to the client), Markdown (a pull-request comment) and JUnit XML
/// (for CI systems that show test reports); `Verdict.decode(json:)` reads the JSON back.
public struct Verdict: Sendable, Equatable {
    /// The run id.
    public var run: String
    public var verdict: VerdictStatus
    /// The run was started with `--emergency` (non-critical gates were skipped).
    public var emergency: Bool
    /// One result per gate, in pipeline order.
    public var gates: [GateResult]
    public var jobs: [VerdictJob]
    public var artifacts: [VerdictArtifact]

    public init(run: String, verdict: VerdictStatus, emergency: Bool = false, gates: [GateResult] = [],
                jobs: [VerdictJob] = [], artifacts: [VerdictArtifact] = []) {
        self.run = run; self.verdict = verdict; self.emergency = emergency
        self.gates = gates; self.jobs = jobs; self.artifacts = artifacts
    }
}

/// The overall answer; `flotilla run` exits 0, 1 and 2 for them.
public enum VerdictStatus: String, Sendable, Equatable, CaseIterable {
    /// Every blocking gate passed and no job failed the run.
    case pass
    /// A blocking gate failed or a job failed the run.
    case fail
    /// The run could not be judged: a blocking gate could not be evaluated.
    case error
}

/// One job as the verdict reports it.
public struct VerdictJob: Sendable, Equatable {
    /// The planned job id.
    public var id: String
    public var status: JobConclusion
    /// The agent that ran the last attempt; empty if it never ran.
    public var agent: String
    public var attempts: Int
    /// Wall time of the last attempt, in seconds.
    public var durationSeconds: Double
    /// The exit code of the failing (or last) step, when a process ran.
    public var exitCode: Int?
    /// Why each earlier attempt was run again (`agent-lost`, `failure`), oldest first.
    public var retried: [String]

    public init(id: String, status: JobConclusion, agent: String = "", attempts: Int = 1, durationSeconds: Double = 0,
                exitCode: Int? = nil, retried: [String] = []) {
        self.id = id; self.status = status; self.agent = agent; self.attempts = attempts
        self.durationSeconds = durationSeconds; self.exitCode = exitCode; self.retried = retried
    }
}

/// One stored artifact file.
public struct VerdictArtifact: Sendable, Equatable {
    public var name: String
    /// The planned job id that produced it.
    public var job: String
    /// Bytes.
    public var size: UInt64
    /// Lowercase hex SHA-256 of the content.
    public var sha256: String

    public init(name: String, job: String, size: UInt64, sha256: String) {
        self.name = name; self.job = job; self.size = size; self.sha256 = sha256
    }
}
