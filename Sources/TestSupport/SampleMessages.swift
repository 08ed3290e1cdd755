import WireProtocol

/// Realistic messages covering every `Message` case, for codec, framing and transport tests.
///
/// Values are deliberately awkward: non-ASCII text, empty and non-empty lists, optionals
/// both nil and set, extreme integers, binary data with every byte value.
public enum SampleMessages {
    /// A job attempt reference with non-ASCII identifiers.
    public static let job = JobRef(runID: "run-2024-ß∂", jobID: "test (linux, 🐧 x86_64) [3/8]", attempt: 2)

    /// A fingerprint of a typical Linux build machine.
    public static let fingerprint = MachineFingerprint(
        os: "Ubuntu 24.04.1 LTS", arch: "x86_64", cpuModel: "AMD EPYC 7763 64-Core Processor",
        cores: 64, memoryBytes: 270_582_939_648, kernel: "6.8.0-45-generic")

    /// The agent Hello used by handshake tests (name `agent-07`, version range 1...1).
    public static let agentHello = Hello(
        minVersion: 1, maxVersion: 1, role: .agent, name: "agent-07",
        labels: ["linux", "x86_64", "gpu:nvidia-ä100"], capacity: 4, fingerprint: fingerprint,
        runningJobs: [job, JobRef(runID: "r1", jobID: "build", attempt: 1)], machineClass: "epyc-7763.large_v2")

    /// A client Hello with every agent-only field empty.
    public static let clientHello = Hello(minVersion: 1, maxVersion: 1, role: .client, name: "ci-user@laptop")

    /// A step exercising every field.
    public static let step = StepSpec(
        id: "unit", name: "Run unit tests — “quoted”", condition: "success() && matrix.os == 'linux'",
        run: "set -euo pipefail\nswift test --parallel\necho \"done ✓\"\n", shell: .sh,
        env: [EnvVar(name: "SWIFT_BACKTRACE", value: "enable=yes"), EnvVar(name: "EMPTY", value: "")],
        workingDirectory: "packages/core", timeoutMillis: 1_800_000, continueOnError: true)

    /// Every byte value, so binary payloads are checked for transparency.
    public static let allByteValues: [UInt8] = (0...255).map { UInt8($0) }

    /// At least one message of every case, several for cases with optional or list fields.
    public static let all: [Message] = [
        .hello(agentHello),
        .hello(clientHello),
        .hello(Hello(minVersion: 0, maxVersion: .max, role: .agent, name: "",
                     labels: [""], capacity: .max, fingerprint: nil, runningJobs: [],
                     machineClass: String(repeating: "x", count: Hello.maxMachineClassBytes))),
        .welcome(Welcome(version: 1, coordinatorName: "coordinator.eu-west ☁︎",
                         heartbeatIntervalMillis: 5_000, heartbeatTimeoutMillis: 15_000)),
        .heartbeat(Heartbeat(sequence: 0)),
        .heartbeat(Heartbeat(sequence: .max)),
        .error(ProtocolErrorMessage(code: .notAuthorized, message: "hello claims role agent; certificate says client")),
        .error(ProtocolErrorMessage(code: .limitExceeded, message: "")),
        .submitRun(SubmitRun(pipelineFileName: ".flotilla/ci.yml",
                             pipelineText: "jobs:\n  test:\n    runs-on: [linux]\n    steps:\n      - run: echo 日本語\n",
                             bundleSHA256: String(repeating: "ab", count: 32), bundleSize: 12_345_678,
                             sourceRevision: "git:3f2c1a0 (main, dirty)", emergency: true)),
        .submitRun(SubmitRun(pipelineFileName: "ci.yml", pipelineText: "", bundleSHA256: "", bundleSize: 0,
                             sourceRevision: "", emergency: false, detached: true)),
        .watchRun(WatchRun(runID: "run-42")),
        .cancelRun(CancelRun(runID: "run-42", reason: "cancelled by alice — “flaky”")),
        .drainAgent(DrainAgent(name: "agent-07", drain: true)),
        .drainAgent(DrainAgent(name: "", drain: false)),
        .commandResult(CommandResult(ok: true, message: "run run-42 cancelled")),
        .commandResult(CommandResult(ok: false, message: "")),
        .listRuns(ListRuns(limit: .max)),
        .fetchLogs(FetchLogs(runID: "run-42", job: "test (linux, 6.0)")),
        .fetchLogs(FetchLogs(runID: "", job: "")),
        .logListing(LogListing(runID: "run-42", attempts: [
            LogAttempt(jobID: "build", name: "build", attempt: 1, agentName: "agent-07"),
            LogAttempt(jobID: "test-linux", name: "test (linux) ✓", attempt: .max, agentName: ""),
        ])),
        .logListing(LogListing(runID: "nope", attempts: [], error: "no run 'nope' on this coordinator")),
        .runList(RunList(runs: [
            RunListEntry(id: "run-42", pipeline: "ci.yml", state: "finished", outcome: .cancelled, submitter: "alice",
                         revision: "git:3f2c1a0", submittedAtMillis: 1_700_000_000_000, finishedAtMillis: .max),
            RunListEntry(id: "run-43 ✓", pipeline: "", state: "active", outcome: nil, submitter: "", revision: "",
                         submittedAtMillis: .min, finishedAtMillis: nil),
        ])),
        .runList(RunList(runs: [], error: "database is locked")),
        .listAgents(ListAgents()),
        .agentList(AgentList(agents: [
            AgentListEntry(name: "agent-07", labels: ["linux", "gpu:nvidia-ä100"], capacity: 4, connected: true,
                           drained: true, running: 3, fingerprint: fingerprint, lastSeenMillis: 1_700_000_000_000),
            AgentListEntry(name: "old", labels: [], capacity: 1, connected: false, drained: false, running: 0,
                           fingerprint: nil, lastSeenMillis: -1),
        ])),
        .agentList(AgentList(agents: [], error: "store unreadable")),
        .runAccepted(RunAccepted(runID: "run-42", jobs: [
            PlannedJobSummary(jobID: "build", name: "Build"),
            PlannedJobSummary(jobID: "test-1", name: "Test (shard 1/2) ✓"),
        ])),
        .runAccepted(RunAccepted(runID: "run-empty", jobs: [])),
        .runRejected(RunRejected(reason: "ci.yml:4:7: unknown key 'runs_on' (did you mean 'runs-on'?)")),
        .jobEvent(JobEvent(runID: "run-42", jobID: "test-1", state: .agentLost, agentName: "agent-07",
                           detail: "no heartbeat for 15000 ms")),
        .runFinished(RunFinished(runID: "run-42", outcome: .failed, jobs: [
            JobSummary(jobID: "build", name: "Build", agentName: "agent-01", state: .succeeded,
                       durationMillis: 61_234, exitCode: 0, attempts: 1),
            JobSummary(jobID: "test-1", name: "Test", agentName: "agent-07", state: .failed,
                       durationMillis: 0, exitCode: -9, attempts: 3),
            JobSummary(jobID: "lint", name: "Lint", agentName: "", state: .skipped,
                       durationMillis: 0, exitCode: nil, attempts: 0),
        ], verdictJSON: #"{"run": "run-42", "verdict": "fail", "emergency": false, "gates": [], "jobs": [], "artifacts": []}"#)),
        .runFinished(RunFinished(runID: "run-43", outcome: .error, jobs: [])),
        .assignJob(JobAssignment(job: job, name: "test (linux)", bundleSHA256: String(repeating: "0f", count: 32),
                                 bundleSize: 1 << 40, env: [EnvVar(name: "CI", value: "true"),
                                                            EnvVar(name: "GREETING", value: "héllo wörld")],
                                 steps: [step, StepSpec(name: "minimal", run: "true")], timeoutMillis: 3_600_000,
                                 shardTests: ["Tests/api/test_users.py", "pkg.Class/test_ünïcode", "tests::mod::case one"])),
        .assignJob(JobAssignment(job: JobRef(runID: "", jobID: "", attempt: 0), name: "", bundleSHA256: "",
                                 bundleSize: 0, env: [], steps: [], timeoutMillis: 0)),
        .assignJob(JobAssignment(job: job, name: "bench (linux)", bundleSHA256: String(repeating: "0f", count: 32),
                                 bundleSize: 4_096, env: [], steps: [StepSpec(name: "bench", run: "make bench")],
                                 timeoutMillis: 0, benchmark: BenchmarkSettings(repeatCount: BenchmarkSettings.maxRepeatCount,
                                                                                warmup: 0))),
        .metricSamples(MetricSamples(job: job, iteration: 3, metrics: [
            MetricSample(name: "parse.p50 — “json”", unit: "µs", value: 12.5, lowerIsBetter: true),
            MetricSample(name: "throughput", unit: "", value: -Double.greatestFiniteMagnitude, lowerIsBetter: false),
            MetricSample(name: "denormal", unit: "s", value: Double.leastNonzeroMagnitude, lowerIsBetter: true),
        ])),
        .metricSamples(MetricSamples(job: JobRef(runID: "", jobID: "", attempt: 0), iteration: .max,
                                     metrics: [MetricSample(name: "x", unit: "", value: -0.0, lowerIsBetter: true)])),
        .jobStarted(JobStarted(job: job)),
        .stepStarted(StepStarted(job: job, stepIndex: 7)),
        .stepFinished(StepFinished(job: job, stepIndex: 7, outcome: .timedOut, exitCode: Int32.min,
                                   durationMillis: .max)),
        .logChunk(LogChunk(job: job, sequence: 1_000_001, stepIndex: 2, stream: .stderr, data: allByteValues)),
        .logChunk(LogChunk(job: job, sequence: 0, stepIndex: 0, stream: .system, data: [])),
        .jobFinished(JobFinished(job: job, outcome: .failure, exitCode: 137, durationMillis: 90_000)),
        .cancelJob(CancelJob(job: job, reason: "run cancelled by user «alice»")),
        .bundleRequest(BundleRequest(sha256: String(repeating: "c", count: 64))),
        .bundleChunk(BundleChunk(sha256: String(repeating: "c", count: 64), offset: 262_144,
                                 data: allByteValues + allByteValues.reversed(), isLast: false)),
        .bundleChunk(BundleChunk(sha256: String(repeating: "c", count: 64), offset: 0, data: [], isLast: true)),
    ] + artifacts

    /// The frames of `all`, concatenated in order.
    public static var allFramed: [UInt8] {
        var writer = ByteWriter()
        for message in all { FrameEncoder.encode(message, into: &writer) }
        return writer.bytes
    }
}
