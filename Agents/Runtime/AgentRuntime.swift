#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import FlotillaNet
import FlotillaTLS
import WireProtocol

/// The agent's network shell: connect, handshake, heartbeats, reconnect, and the jobs.
///
/// Loop-confined. Jobs run on `JobRunner` (process groups, no network); their events come
/// back to the loop and go to the coordinator. Losing the coordinator does not stop the jobs:
/// it may be restarting. Their events wait in the `AgentOutbox`, the next `Hello` lists them
/// (`runningJobs`) so the coordinator can claim them, and the coordinator cancels those it no
/// longer wants. Jobs still running after `disconnectedJobGraceMillis` without a coordinator
/// are cancelled.
public final class AgentRuntime: FramedConnectionDelegate {
    public let loop: EventLoop
    public let configuration: AgentConfiguration
    private let logger: Logger
    private let tls: TLSConfiguration
    private let bundles: BundleCache
    private var backoff: ReconnectBackoff
    private var connection: FramedConnection?
    private var handshake: ClientHandshake?
    private var heartbeats: HeartbeatKeeper?
    private var reconnectTimer: TimerHandle?
    private var jobs: [JobRef: JobRunner] = [:]
    /// Bundles being downloaded, with the jobs waiting for each.
    private var downloads: [String: (writer: ContentAddressedFileWriter, waiting: [JobAssignment])] = [:]
    private var stopped = false
    private var closeReason: String?
    /// Job events and results owed to the coordinator across a lost connection.
    private var outbox = AgentOutbox()
    /// Cancels the jobs if the coordinator stays away too long.
    private var orphanTimer: TimerHandle?
    /// Artifact uploads waiting for a session, with what to call when each has ended.
    private var parkedUploads: [(job: JobRef, collection: ArtifactCollection, done: () -> Void)] = []
    /// Attempts the coordinator told us to stop; their uploads are not retried.
    private var cancelledJobs: Set<JobRef> = []
    /// Artifact uploads on the current connection; replaced with each connection.
    var artifactUploads: ArtifactUploadManager?

    /// - Throws: `TLSError` for missing or unreadable PKI files, `BundleError` for an unusable work directory.
    public init(loop: EventLoop, configuration: AgentConfiguration, logger: Logger) throws {
        self.loop = loop
        self.configuration = configuration
        self.logger = logger.with(["agent.name": configuration.name])
        self.tls = try TLSConfiguration.forPeer(pkiDirectory: configuration.pkiDirectory, role: "agent", name: configuration.name)
        self.bundles = try BundleCache(directory: configuration.workDirectory + "/bundles")
        self.backoff = configuration.backoff
    }

    /// Whether the session with the coordinator is established.
    public var isConnected: Bool { handshake?.welcome != nil && connection?.isActive == true }

    /// Jobs running now.
    public var runningJobCount: Int { jobs.count }

    /// Connects (and keeps reconnecting); call on the loop.
    public func start() {
        precondition(loop.inEventLoop, "AgentRuntime.start must run on its loop")
        stopped = false
        connect()
    }

    /// Cancels running jobs and disconnects; call on the loop.
    public func stop() {
        stopped = true
        if let reconnectTimer { loop.cancel(reconnectTimer) }
        cancelAllJobs(reason: "the agent is shutting down")
        releaseParkedUploads()
        connection?.close()
    }

    private func connect() {
        guard !stopped else { return }
        // Finished attempts whose result is still owed count as running: the coordinator claims them too.
        let running = Array(jobs.keys).sorted { ($0.runID, $0.jobID) < ($1.runID, $1.jobID) } + outbox.heldResults
        let hello = Hello(minVersion: ProtocolVersion.supported.lowerBound, maxVersion: ProtocolVersion.supported.upperBound,
                          role: .agent, name: configuration.name, labels: configuration.labels,
                          capacity: UInt32(configuration.capacity), fingerprint: configuration.fingerprint,
                          runningJobs: Array(running.prefix(ProtocolLimits.default.maxListCount)),
                          machineClass: configuration.machineClass)
        handshake = ClientHandshake(hello: hello)
        closeReason = nil
        do {
            connection = try FramedClient.connect(loop: loop, host: configuration.coordinator.host,
                                                  port: configuration.coordinator.port, tls: tls,
                                                  serverName: configuration.coordinator.host, delegate: self)
        } catch {
            logger.warning("cannot connect", ["coordinator": "\(configuration.coordinator)", "error": "\(error)"])
            scheduleReconnect()
        }
    }

    private func scheduleReconnect() {
        guard !stopped else { return }
        let delay = backoff.nextDelay(random: Double.random(in: 0..<1))
        logger.info("reconnecting", ["delay.ms": "\(delay)"])
        reconnectTimer = loop.schedule(afterMillis: delay) { [weak self] in self?.connect() }
    }

    // MARK: FramedConnectionDelegate

    public func connectionDidBecomeActive(_ connection: FramedConnection) {
        guard let handshake else { return }
        // Every fleet certificate is valid for TLS client and server use; only the role says who is the coordinator.
        guard connection.peerIdentity?.role == "coordinator" else {
            closeReason = "the peer's certificate is not a coordinator's (\(connection.peerIdentity?.description ?? "no identity"))"
            logger.error("refusing a non-coordinator peer", ["peer": connection.peerIdentity?.description ?? ""])
            connection.close()
            return
        }
        connection.send(handshake.initialMessage())
    }

    public func connection(_ connection: FramedConnection, didReceive message: Message) {
        guard connection === self.connection, var handshake else { return }
        heartbeats?.messageReceived()
        let action = handshake.received(message)
        self.handshake = handshake
        switch action {
        case .established(let welcome):
            backoff.reset()
            artifactUploads = makeArtifactUploads(on: connection, logger: logger)
            heartbeats = HeartbeatKeeper(loop: loop, connection: connection, welcome: welcome) { [weak self] silent in
                self?.closeReason = "no heartbeat from the coordinator for \(silent) ms"
            }
            logger.info("connected to coordinator", ["coordinator": welcome.coordinatorName, "protocol.version": "\(welcome.version)"])
            resumeAfterReconnect(on: connection)
        case .deliver(let message):
            handle(message)
        case .failed(let error):
            closeReason = "\(error)"
            logger.warning("session failed", ["error": "\(error)"])
            connection.close(sending: error.replyMessage)
        case .ignore:
            break
        }
    }

    public func connectionDidClose(_ connection: FramedConnection, error: ConnectionError?) {
        guard connection === self.connection else { return }
        self.connection = nil
        heartbeats?.stop()
        heartbeats = nil
        for download in downloads.values { download.writer.abort() }
        downloads.removeAll()
        artifactUploads?.abortAll()
        artifactUploads = nil
        outbox.connectionLost(now: loop.nowMillis())
        if !jobs.isEmpty { startOrphanTimer() }
        logger.notice("disconnected", ["reason": closeReason ?? error.map { "\($0)" } ?? "closed"])
        scheduleReconnect()
    }

    // MARK: Coordinator messages

    private func handle(_ message: Message) {
        switch message {
        case .assignJob(let assignment):
            accept(assignment)
        case .cancelJob(let cancel):
            if jobs[cancel.job] != nil { cancelledJobs.insert(cancel.job) }
            jobs[cancel.job]?.cancel(reason: cancel.reason)
            artifactUploads?.cancel(cancel.job)
            for (sha, download) in downloads {
                downloads[sha]?.waiting = download.waiting.filter { $0.job != cancel.job }
            }
        case .bundleChunk(let chunk):
            receive(chunk)
        case .artifactAck(let ack):
            artifactUploads?.received(ack)
        case .heartbeat:
            break
        default:
            break
        }
    }

    private func accept(_ assignment: JobAssignment) {
        guard jobs[assignment.job] == nil else { return }
        let sha = assignment.bundleSHA256
        if sha.isEmpty || bundles.contains(sha) {
            start(assignment)
        } else if downloads[sha] != nil {
            downloads[sha]!.waiting.append(assignment)
        } else {
            do {
                let writer = try bundles.beginWrite(sha256: sha, size: assignment.bundleSize)
                downloads[sha] = (writer, [assignment])
                connection?.send(.bundleRequest(BundleRequest(sha256: sha)))
            } catch {
                fail(assignment, reason: "cannot cache source bundle \(sha): \(error)")
            }
        }
    }

    private func receive(_ chunk: BundleChunk) {
        guard let download = downloads[chunk.sha256] else { return }
        do {
            try download.writer.write(chunk.data, at: chunk.offset)
            guard chunk.isLast else { return }
            downloads[chunk.sha256] = nil
            try download.writer.finish()
            for assignment in download.waiting { start(assignment) }
        } catch {
            download.writer.abort()
            downloads[chunk.sha256] = nil
            for assignment in download.waiting { fail(assignment, reason: "source bundle download failed: \(error)") }
        }
    }

    /// Reports a job that could not start, with the reason in its log.
    private func fail(_ assignment: JobAssignment, reason: String) {
        logger.warning("job could not start", ["job.id": assignment.job.jobID, "error": reason])
        let line = Array("flotilla agent \(configuration.name): \(reason)\n".utf8)
        connection?.send(.logChunk(LogChunk(job: assignment.job, sequence: 0, stepIndex: 0, stream: .system, data: line)))
        connection?.send(.jobFinished(JobFinished(job: assignment.job, outcome: .failure, exitCode: -1, durationMillis: 0)))
    }

    private func start(_ received: JobAssignment) {
        var assignment = received
        // GitHub's runner variables, so scripts written for hosted runners can tell where they are.
        assignment.env += [
            EnvVar(name: "FLOTILLA_AGENT_NAME", value: configuration.name),
            EnvVar(name: "RUNNER_NAME", value: configuration.name),
            EnvVar(name: "RUNNER_OS", value: Self.runnerOS(configuration.fingerprint.os)),
            EnvVar(name: "RUNNER_ARCH", value: Self.runnerArch(configuration.fingerprint.arch)),
        ]
        let runnerConfiguration = JobRunnerConfiguration(
            workRoot: configuration.workDirectory + "/jobs", keepWorkspaces: configuration.keepWorkspaces,
            process: ProcessRunner.Configuration(killGracePeriod: .milliseconds(Int64(configuration.killGraceMillis))),
            maxArtifactBytes: configuration.maxArtifactBytes)
        let bound = LoopBound(self, eventLoop: loop)
        let loop = self.loop
        let runner = JobRunner(assignment: assignment, bundleCache: assignment.bundleSHA256.isEmpty ? nil : bundles,
                               configuration: runnerConfiguration, logger: logger,
                               conditionEvaluator: AgentRuntime.evaluateStepCondition,
                               scriptRenderer: { [configuration] script, state in
                                   try AgentRuntime.renderScript(script, state, agent: configuration)
                               },
                               artifactUploader: { job, collection in
                                   await AgentRuntime.upload(collection, for: job, through: bound)
                               }) { event in
            loop.execute { bound.value.forward(event) }
        }
        jobs[assignment.job] = runner
        logger.info("job assigned", ["job.id": assignment.job.jobID, "run.id": assignment.job.runID])
        Task { _ = await runner.run() }
    }

    private func forward(_ event: JobRunnerEvent) {
        let message: Message
        switch event {
        case .jobStarted(let e): message = .jobStarted(e)
        case .stepStarted(let e): message = .stepStarted(e)
        case .log(let e): message = .logChunk(e)
        case .stepFinished(let e): message = .stepFinished(e)
        case .metricSamples(let e): message = .metricSamples(e)
        case .jobFinished(let e):
            jobs[e.job] = nil
            cancelledJobs.remove(e.job)
            if jobs.isEmpty, let orphanTimer { loop.cancel(orphanTimer); self.orphanTimer = nil }
            message = .jobFinished(e)
        }
        guard let connection, isConnected else { return outbox.hold(message) }
        if connection.send(message) {
            outbox.sent(message, now: loop.nowMillis())
        } else {
            // A coordinator that stopped reading: keep the event for the next session rather than lose it.
            logger.warning("send queue full; reconnecting", ["event": "\(message.messageType)"])
            outbox.hold(message)
            closeReason = "the coordinator stopped reading (send queue full)"
            connection.close()
        }
    }

    /// A session is back: owed events go out in order, parked artifact uploads start.
    private func resumeAfterReconnect(on connection: FramedConnection) {
        if let orphanTimer { loop.cancel(orphanTimer); self.orphanTimer = nil }
        for (job, bytes) in outbox.droppedLogBytes.sorted(by: { $0.key.jobID < $1.key.jobID }) {
            logger.warning("log output dropped while the coordinator was unreachable",
                           ["job.id": job.jobID, "run.id": job.runID, "bytes": "\(bytes)"])
        }
        let owed = outbox.takeHeld()
        if !owed.isEmpty { logger.info("resending job events held while disconnected", ["events": "\(owed.count)"]) }
        let now = loop.nowMillis()
        for message in owed where connection.send(message) { outbox.sent(message, now: now) }
        let parked = parkedUploads
        parkedUploads.removeAll()
        for upload in parked { uploadArtifacts(upload.collection, for: upload.job, done: upload.done) }
    }

    /// Without a coordinator for this long, the jobs are cancelled: it has given them to others by now.
    private func startOrphanTimer() {
        guard orphanTimer == nil else { return }
        let grace = configuration.disconnectedJobGraceMillis
        orphanTimer = loop.schedule(afterMillis: grace) { [weak self] in
            guard let self else { return }
            self.orphanTimer = nil
            guard !self.isConnected else { return }
            self.cancelAllJobs(reason: "no coordinator for \(grace / 1000) s")
            self.releaseParkedUploads()
        }
    }

    /// Keeps an upload for the next session.
    func parkUpload(_ collection: ArtifactCollection, for job: JobRef, done: @escaping () -> Void) {
        guard !stopped, !cancelledJobs.contains(job) else { return done() }
        parkedUploads.append((job, collection, done))
    }

    /// Whether an upload that ended aborted should start over on the next session: it was the
    /// connection that ended, not the job.
    func isUploadRetryable(_ job: JobRef) -> Bool {
        !stopped && !isConnected && !cancelledJobs.contains(job) && jobs[job] != nil
    }

    /// Gives up on parked uploads (the jobs are being cancelled or the agent stops).
    private func releaseParkedUploads() {
        let parked = parkedUploads
        parkedUploads.removeAll()
        for upload in parked { upload.done() }
    }

    private func cancelAllJobs(reason: String) {
        for runner in jobs.values { runner.cancel(reason: reason) }
    }

    /// GitHub's spelling of the operating system (`Linux`, `macOS`).
    static func runnerOS(_ os: String) -> String {
        switch os.lowercased() {
        case "linux": return "Linux"
        case "darwin", "macos": return "macOS"
        default: return os
        }
    }

    /// GitHub's spelling of the architecture (`X64`, `ARM64`).
    static func runnerArch(_ arch: String) -> String {
        switch arch.lowercased() {
        case "x86_64", "amd64", "x64": return "X64"
        case "aarch64", "arm64": return "ARM64"
        default: return arch.uppercased()
        }
    }

    /// Step `if:` through the expression engine, with `steps.<id>.outcome` and the job status.
    static func evaluateStepCondition(_ condition: String, _ state: StepConditionState) -> Bool {
        // The planner checked the syntax; a condition that fails to evaluate does not run its step.
        (try? Expression.evaluateCondition(condition, context: stepContext(state, agent: nil))) ?? false
    }

    /// Resolves what the planner left in `run:` text for the agent: `steps.*`, `job.*`, `runner.*`.
    static func renderScript(_ script: String, _ state: StepConditionState, agent: AgentConfiguration) throws -> String {
        guard script.contains("${{") else { return script }
        do {
            return try Expression.interpolate(script, context: stepContext(state, agent: agent))
        } catch {
            throw ScriptRenderError(message: "\(error)")
        }
    }

    /// The runtime expression contexts of a step: `steps`, `job` and (when known) `runner`.
    static func stepContext(_ state: StepConditionState, agent: AgentConfiguration?) -> ExpressionContext {
        let status: ExpressionContext.JobStatus = state.cancelled ? .cancelled : (state.jobFailed ? .failure : .success)
        var context = ExpressionContext(jobStatus: status)
        if let agent {
            context["runner"] = .object([
                (key: "name", value: .string(agent.name)),
                (key: "os", value: .string(runnerOS(agent.fingerprint.os))),
                (key: "arch", value: .string(runnerArch(agent.fingerprint.arch))),
            ])
        }
        let steps: [(key: String, value: ExpressionValue)] = state.stepOutcomes.sorted { $0.key < $1.key }.map { id, outcome in
            let word: String
            switch outcome {
            case .success: word = "success"
            case .failure, .timedOut: word = "failure"
            case .cancelled: word = "cancelled"
            case .skipped: word = "skipped"
            }
            return (key: id, value: .object([(key: "outcome", value: .string(word)), (key: "conclusion", value: .string(word))]))
        }
        context["steps"] = .object(steps)
        context["job"] = .object([(key: "status", value: .string(status.rawValue))])
        return context
    }
}

/// A `${{ }}` expression in a step's `run:` text could not be evaluated on the agent.
struct ScriptRenderError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
