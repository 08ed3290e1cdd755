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
    /// Tests that failed in an attempt of a job and passed in a later one. Reported, never
    /// judged: the final attempt's results decide the `tests` gates.
    public var flakyTests: [FlakyTest]

    public init(run: String, verdict: VerdictStatus, emergency: Bool = false, gates: [GateResult] = [],
                jobs: [VerdictJob] = [], artifacts: [VerdictArtifact] = [], flakyTests: [FlakyTest] = []) {
        self.run = run; self.verdict = verdict; self.emergency = emergency
        self.gates = gates; self.jobs = jobs; self.artifacts = artifacts; self.flakyTests = flakyTests
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
    /// An attempt failed and a later attempt succeeded (see `FlakyTestFinder.isFlaky`).
    public var flaky: Bool

    public init(id: String, status: JobConclusion, agent: String = "", attempts: Int = 1, durationSeconds: Double = 0,
                exitCode: Int? = nil, retried: [String] = [], flaky: Bool = false) {
        self.id = id; self.status = status; self.agent = agent; self.attempts = attempts
        self.durationSeconds = durationSeconds; self.exitCode = exitCode; self.retried = retried; self.flaky = flaky
    }
}

/// A test that failed in one or more attempts of a job and then passed on a retry.
public struct FlakyTest: Sendable, Equatable {
    /// The planned job id.
    public var job: String
    /// `classname.name` (`Suite.name`), as the `tests` gate names tests.
    public var test: String
    /// The attempts (1-based) in which it failed or errored, oldest first.
    public var failedAttempts: [Int]
    /// The first attempt after the last failure in which it passed.
    public var passedAttempt: Int

    public init(job: String, test: String, failedAttempts: [Int], passedAttempt: Int) {
        self.job = job; self.test = test; self.failedAttempts = failedAttempts; self.passedAttempt = passedAttempt
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
