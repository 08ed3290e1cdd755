/// WireProtocol: Flotilla's wire format.
///
/// Frames, messages, their binary encoding and the handshake/session state machines.
/// Pure: no sockets, no OpenSSL, no clocks (time enters as `now:` parameters), so every
/// piece is unit-tested and fuzzed without I/O. `PROTOCOL.md` beside this file is the
/// byte-level specification.

/// Every message that travels between coordinator, agents and clients.
public enum Message: Sendable, Equatable {
    // Session
    case hello(Hello)
    case welcome(Welcome)
    case heartbeat(Heartbeat)
    case error(ProtocolErrorMessage)

    // Client <-> coordinator
    case submitRun(SubmitRun)
    case runAccepted(RunAccepted)
    case runRejected(RunRejected)
    case jobEvent(JobEvent)
    case runFinished(RunFinished)

    // Client <-> coordinator operations (Message+Operations.swift)
    case watchRun(WatchRun)
    case cancelRun(CancelRun)
    case drainAgent(DrainAgent)
    case commandResult(CommandResult)
    case listRuns(ListRuns)
    case runList(RunList)
    // Client <-> coordinator stored logs (Message+Logs.swift)
    case fetchLogs(FetchLogs)
    case logListing(LogListing)
    case listAgents(ListAgents)
    case agentList(AgentList)

    // Coordinator <-> agent
    case assignJob(JobAssignment)
    case jobStarted(JobStarted)
    case stepStarted(StepStarted)
    case stepFinished(StepFinished)
    case logChunk(LogChunk)
    case jobFinished(JobFinished)
    case cancelJob(CancelJob)
    /// One measured iteration of a benchmark job (Message+Benchmarks.swift).
    case metricSamples(MetricSamples)

    // Source bundles (client -> coordinator -> agent)
    case bundleRequest(BundleRequest)
    case bundleChunk(BundleChunk)

    // Artifacts (agent -> coordinator uploads; client <-> coordinator listing and download)
    case artifactBegin(ArtifactBegin)
    case artifactChunk(ArtifactChunk)
    case artifactEnd(ArtifactEnd)
    case artifactRefused(ArtifactRefused)
    case artifactAck(ArtifactAck)
    case artifactStored(ArtifactStored)
    case listArtifacts(ListArtifacts)
    case fetchArtifact(FetchArtifact)
    case artifactList(ArtifactList)
    case artifactData(ArtifactData)
}

/// The one-byte type code that follows a frame's length.
public enum MessageType: UInt8, Sendable, CaseIterable {
    case hello = 0x01
    case welcome = 0x02
    case heartbeat = 0x03
    case error = 0x04

    case submitRun = 0x10
    case runAccepted = 0x11
    case runRejected = 0x12
    case jobEvent = 0x13
    case runFinished = 0x14
    case watchRun = 0x15
    case cancelRun = 0x16
    case drainAgent = 0x17
    case commandResult = 0x18
    case listRuns = 0x19
    case runList = 0x1A
    case listAgents = 0x1B
    case agentList = 0x1C
    case fetchLogs = 0x1D
    case logListing = 0x1E

    case assignJob = 0x20
    case jobStarted = 0x21
    case stepStarted = 0x22
    case stepFinished = 0x23
    case logChunk = 0x24
    case jobFinished = 0x25
    case cancelJob = 0x26
    case metricSamples = 0x27

    case bundleRequest = 0x30
    case bundleChunk = 0x31

    case artifactBegin = 0x40
    case artifactChunk = 0x41
    case artifactEnd = 0x42
    case artifactRefused = 0x43
    case artifactAck = 0x44
    case artifactStored = 0x45
    case listArtifacts = 0x48
    case fetchArtifact = 0x49
    case artifactList = 0x4A
    case artifactData = 0x4B
}

/// The role a peer plays; also carried in its certificate.
public enum PeerRole: UInt8, Sendable, Equatable {
    case coordinator = 1
    case agent = 2
    case client = 3
}

/// What a machine is, as an agent reports it; benchmarks compare within a class of these.
public struct MachineFingerprint: Sendable, Equatable {
    public var os: String
    public var arch: String
    public var cpuModel: String
    public var cores: UInt32
    public var memoryBytes: UInt64
    public var kernel: String
    public init(os: String, arch: String, cpuModel: String, cores: UInt32, memoryBytes: UInt64, kernel: String) {
        self.os = os; self.arch = arch; self.cpuModel = cpuModel; self.cores = cores
        self.memoryBytes = memoryBytes; self.kernel = kernel
    }
}

/// First message of every connection, from the connecting peer.
public struct Hello: Sendable, Equatable {
    /// Always `Hello.magic`; anything else is not a Flotilla peer.
    public var magic: UInt32
    public var minVersion: UInt16
    public var maxVersion: UInt16
    public var role: PeerRole
    public var name: String
    /// Agents only (empty for clients).
    public var labels: [String]
    /// Agents only: concurrent job slots.
    public var capacity: UInt32
    /// Agents only.
    public var fingerprint: MachineFingerprint?
    /// Agents only: jobs still running after a reconnect.
    public var runningJobs: [JobRef]
    /// Agents only: the operator's `--machine-class`; empty means the coordinator derives the
    /// class from `fingerprint`. Clients send it empty (see `Hello.machineClassProblem`).
    public var machineClass: String
    public static let magic: UInt32 = 0x464C_4F54 // "FLOT"

    /// A client's Hello offering every version this build supports.
    public static func client(name: String) -> Hello {
        Hello(minVersion: ProtocolVersion.supported.lowerBound, maxVersion: ProtocolVersion.supported.upperBound,
              role: .client, name: name)
    }
    public init(magic: UInt32 = Hello.magic, minVersion: UInt16, maxVersion: UInt16, role: PeerRole, name: String,
                labels: [String] = [], capacity: UInt32 = 0, fingerprint: MachineFingerprint? = nil,
                runningJobs: [JobRef] = [], machineClass: String = "") {
        self.magic = magic; self.minVersion = minVersion; self.maxVersion = maxVersion; self.role = role
        self.name = name; self.labels = labels; self.capacity = capacity; self.fingerprint = fingerprint
        self.runningJobs = runningJobs; self.machineClass = machineClass
    }
}

/// The coordinator's answer to `Hello`: the chosen version and the liveness contract.
public struct Welcome: Sendable, Equatable {
    public var version: UInt16
    public var coordinatorName: String
    public var heartbeatIntervalMillis: UInt32
    public var heartbeatTimeoutMillis: UInt32
    public init(version: UInt16, coordinatorName: String, heartbeatIntervalMillis: UInt32, heartbeatTimeoutMillis: UInt32) {
        self.version = version; self.coordinatorName = coordinatorName
        self.heartbeatIntervalMillis = heartbeatIntervalMillis; self.heartbeatTimeoutMillis = heartbeatTimeoutMillis
    }
}

/// Liveness signal, sent both ways every interval.
public struct Heartbeat: Sendable, Equatable {
    public var sequence: UInt64
    public init(sequence: UInt64) { self.sequence = sequence }
}

/// Sent before closing a connection because of a protocol or policy error.
public struct ProtocolErrorMessage: Sendable, Equatable {
    public var code: ErrorCode
    public var message: String
    public init(code: ErrorCode, message: String) { self.code = code; self.message = message }

    public enum ErrorCode: UInt16, Sendable, Equatable {
        case malformedFrame = 1
        case frameTooLarge = 2
        case unknownMessageType = 3
        case unsupportedVersion = 4
        case unexpectedMessage = 5
        case notAuthorized = 6
        case heartbeatTimeout = 7
        case internalError = 8
        case limitExceeded = 9
    }
}

/// A job attempt: the unit agents run and report on.
public struct JobRef: Sendable, Equatable, Hashable {
    public var runID: String
    public var jobID: String
    public var attempt: UInt32
    public init(runID: String, jobID: String, attempt: UInt32) {
        self.runID = runID; self.jobID = jobID; self.attempt = attempt
    }
}

/// A client asks the coordinator to run a pipeline.
public struct SubmitRun: Sendable, Equatable {
    /// File name as the user gave it, for error messages.
    public var pipelineFileName: String
    /// The pipeline file's bytes (UTF-8 YAML); the coordinator parses and plans it.
    public var pipelineText: String
    /// SHA-256 (lowercase hex) of the source bundle the jobs run on.
    public var bundleSHA256: String
    public var bundleSize: UInt64
    /// Free-form source description (`git` revision etc.), for reports.
    public var sourceRevision: String
    /// `flotilla run --emergency`: gates marked `critical: false` are skipped and the verdict says so.
    public var emergency: Bool
    /// `flotilla submit`: the run is not cancelled when the submitting connection closes.
    public var detached: Bool
    public init(pipelineFileName: String, pipelineText: String, bundleSHA256: String, bundleSize: UInt64,
                sourceRevision: String, emergency: Bool = false, detached: Bool = false) {
        self.pipelineFileName = pipelineFileName; self.pipelineText = pipelineText
        self.bundleSHA256 = bundleSHA256; self.bundleSize = bundleSize; self.sourceRevision = sourceRevision
        self.emergency = emergency; self.detached = detached
    }
}

/// The run was planned and queued.
public struct RunAccepted: Sendable, Equatable {
    public var runID: String
    public var jobs: [PlannedJobSummary]
    public init(runID: String, jobs: [PlannedJobSummary]) { self.runID = runID; self.jobs = jobs }
}

/// One job of an accepted run, as the client displays it.
public struct PlannedJobSummary: Sendable, Equatable {
    public var jobID: String
    public var name: String
    public init(jobID: String, name: String) { self.jobID = jobID; self.name = name }
}

/// The run could not be planned or placed; `reason` is for a human.
public struct RunRejected: Sendable, Equatable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// The lifecycle of a job as the coordinator sees it.
public enum JobState: UInt8, Sendable, Equatable {
    case queued = 1
    case assigned = 2
    case running = 3
    case succeeded = 4
    case failed = 5
    case timedOut = 6
    case agentLost = 7
    case cancelled = 8
    case skipped = 9

    /// True for states a job never leaves.
    public var isTerminal: Bool {
        switch self {
        case .queued, .assigned, .running: return false
        default: return true
        }
    }
}

/// A job changed state; streamed to the client that submitted the run.
public struct JobEvent: Sendable, Equatable {
    public var runID: String
    public var jobID: String
    public var state: JobState
    public var agentName: String
    /// Human detail: failing step, timeout, lost agent.
    public var detail: String
    public init(runID: String, jobID: String, state: JobState, agentName: String, detail: String) {
        self.runID = runID; self.jobID = jobID; self.state = state; self.agentName = agentName; self.detail = detail
    }
}

/// Final per-job line of a run's summary.
public struct JobSummary: Sendable, Equatable {
    public var jobID: String
    public var name: String
    public var agentName: String
    public var state: JobState
    public var durationMillis: UInt64
    public var exitCode: Int32?
    public var attempts: UInt32
    public init(jobID: String, name: String, agentName: String, state: JobState, durationMillis: UInt64, exitCode: Int32?, attempts: UInt32) {
        self.jobID = jobID; self.name = name; self.agentName = agentName; self.state = state
        self.durationMillis = durationMillis; self.exitCode = exitCode; self.attempts = attempts
    }
}

/// How a whole run ended.
public enum RunOutcome: UInt8, Sendable, Equatable {
    case succeeded = 1
    case failed = 2
    case cancelled = 3
    /// The run could not be judged (internal error, nothing could be placed).
    case error = 4
}

/// The run is over; the last message a client receives for it.
public struct RunFinished: Sendable, Equatable {
    public var runID: String
    public var outcome: RunOutcome
    public var jobs: [JobSummary]
    /// The run's verdict (gates, jobs, artifacts) as the JSON document `flotilla run --json`
    /// writes; empty when the coordinator could not judge the run.
    public var verdictJSON: String
    public init(runID: String, outcome: RunOutcome, jobs: [JobSummary], verdictJSON: String = "") {
        self.runID = runID; self.outcome = outcome; self.jobs = jobs; self.verdictJSON = verdictJSON
    }
}

/// The shell a step runs through.
public enum StepShell: UInt8, Sendable, Equatable {
    case bash = 1
    case sh = 2
}

/// One step of an assigned job, fully resolved by the coordinator.
public struct StepSpec: Sendable, Equatable {
    /// The step's `id:` (empty when it has none); `steps.<id>.outcome` refers to it.
    public var id: String
    public var name: String
    /// The step's `if:` expression without `${{ }}`; empty means `success()`.
    public var condition: String
    public var run: String
    public var shell: StepShell
    public var env: [EnvVar]
    /// Relative to the job's workspace; empty for the workspace itself.
    public var workingDirectory: String
    /// Zero means no step-level timeout.
    public var timeoutMillis: UInt64
    public var continueOnError: Bool
    public init(id: String = "", name: String, condition: String = "", run: String, shell: StepShell = .bash,
                env: [EnvVar] = [], workingDirectory: String = "", timeoutMillis: UInt64 = 0, continueOnError: Bool = false) {
        self.id = id; self.name = name; self.condition = condition; self.run = run; self.shell = shell; self.env = env
        self.workingDirectory = workingDirectory; self.timeoutMillis = timeoutMillis; self.continueOnError = continueOnError
    }
}

/// An environment variable; a list keeps the pipeline's order.
public struct EnvVar: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// The coordinator hands an agent one job attempt.
public struct JobAssignment: Sendable, Equatable {
    public var job: JobRef
    public var name: String
    public var bundleSHA256: String
    public var bundleSize: UInt64
    public var env: [EnvVar]
    public var steps: [StepSpec]
    /// Zero means no job-level timeout.
    public var timeoutMillis: UInt64
    /// Files the agent collects from the workspace after the steps and uploads before `JobFinished`.
    public var artifacts: [ArtifactRequest]
    /// A shard job's test ids, which the agent writes one per line to the file named by
    /// `FLOTILLA_SHARD_FILE`; empty for other jobs (bounds: `JobAssignment.maxShardTestIDBytes`,
    /// `maxShardTestsBytes`).
    public var shardTests: [String]
    /// Set for a benchmark job: run the steps `warmup + repeatCount` times and report each
    /// measured iteration's metrics as `MetricSamples`; nil for other jobs.
    public var benchmark: BenchmarkSettings?
    public init(job: JobRef, name: String, bundleSHA256: String, bundleSize: UInt64, env: [EnvVar], steps: [StepSpec], timeoutMillis: UInt64,
                artifacts: [ArtifactRequest] = [], shardTests: [String] = [], benchmark: BenchmarkSettings? = nil) {
        self.job = job; self.name = name; self.bundleSHA256 = bundleSHA256; self.bundleSize = bundleSize
        self.env = env; self.steps = steps; self.timeoutMillis = timeoutMillis; self.artifacts = artifacts
        self.shardTests = shardTests; self.benchmark = benchmark
    }
}

/// The agent started the job's first process.
public struct JobStarted: Sendable, Equatable {
    public var job: JobRef
    public init(job: JobRef) { self.job = job }
}

/// A step's process started.
public struct StepStarted: Sendable, Equatable {
    public var job: JobRef
    public var stepIndex: UInt32
    public init(job: JobRef, stepIndex: UInt32) { self.job = job; self.stepIndex = stepIndex }
}

/// How a step or job ended on the agent.
public enum ExecutionOutcome: UInt8, Sendable, Equatable {
    case success = 1
    case failure = 2
    case timedOut = 3
    case cancelled = 4
    case skipped = 5
}

/// A step ended.
public struct StepFinished: Sendable, Equatable {
    public var job: JobRef
    public var stepIndex: UInt32
    public var outcome: ExecutionOutcome
    /// Exit status, or 128+signal when killed by a signal; -1 when the step never ran.
    public var exitCode: Int32
    public var durationMillis: UInt64
    public init(job: JobRef, stepIndex: UInt32, outcome: ExecutionOutcome, exitCode: Int32, durationMillis: UInt64) {
        self.job = job; self.stepIndex = stepIndex; self.outcome = outcome; self.exitCode = exitCode
        self.durationMillis = durationMillis
    }
}

/// Which output stream a log chunk came from.
public enum LogStream: UInt8, Sendable, Equatable {
    case stdout = 1
    case stderr = 2
    /// Lines the agent itself writes (step headers, kill notices).
    case system = 3
}

/// A bounded piece of a job's log, numbered per job attempt from 0.
public struct LogChunk: Sendable, Equatable {
    public var job: JobRef
    public var sequence: UInt64
    public var stepIndex: UInt32
    public var stream: LogStream
    public var data: [UInt8]
    /// Largest `data` a chunk may carry.
    public static let maxDataBytes = 64 * 1024
    public init(job: JobRef, sequence: UInt64, stepIndex: UInt32, stream: LogStream, data: [UInt8]) {
        self.job = job; self.sequence = sequence; self.stepIndex = stepIndex; self.stream = stream; self.data = data
    }
}

/// A job attempt ended on the agent.
public struct JobFinished: Sendable, Equatable {
    public var job: JobRef
    public var outcome: ExecutionOutcome
    /// Exit code of the step that decided the outcome; 0 on success.
    public var exitCode: Int32
    public var durationMillis: UInt64
    public init(job: JobRef, outcome: ExecutionOutcome, exitCode: Int32, durationMillis: UInt64) {
        self.job = job; self.outcome = outcome; self.exitCode = exitCode; self.durationMillis = durationMillis
    }
}

/// Stop a job attempt: kill its process group.
public struct CancelJob: Sendable, Equatable {
    public var job: JobRef
    public var reason: String
    public init(job: JobRef, reason: String) { self.job = job; self.reason = reason }
}

/// Ask the peer for a source bundle by hash.
public struct BundleRequest: Sendable, Equatable {
    public var sha256: String
    public init(sha256: String) { self.sha256 = sha256 }
}

/// A bounded piece of a source bundle; `isLast` closes it, then the receiver checks the hash.
public struct BundleChunk: Sendable, Equatable {
    public var sha256: String
    public var offset: UInt64
    public var data: [UInt8]
    public var isLast: Bool
    /// Largest `data` a chunk may carry.
    public static let maxDataBytes = 256 * 1024
    public init(sha256: String, offset: UInt64, data: [UInt8], isLast: Bool) {
        self.sha256 = sha256; self.offset = offset; self.data = data; self.isLast = isLast
    }
}
