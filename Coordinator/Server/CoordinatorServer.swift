#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import FlotillaNet
import FlotillaStore
import FlotillaTLS
import WireProtocol

/// The coordinator's I/O shell: TLS listener, handshakes, heartbeats, bundle storage.
///
/// Loop-confined. Decisions live in `CoordinatorCore`; this class turns connections and
/// messages into core events and performs the actions the core returns.
public final class CoordinatorServer: FramedConnectionDelegate {
    public let loop: EventLoop
    public let configuration: CoordinatorConfiguration
    let logger: Logger
    private var server: FramedServer?
    var core: CoordinatorCore
    var sessions: [ConnectionID: PeerSession] = [:]
    let bundles: BundleCache
    /// Durable state (SQLite, WAL) under the state directory; see `CoordinatorServer+Durability`.
    let store: CoordinatorStore
    /// Per run, the job-list revision and whether it is active, as last written to the store.
    var storedRuns: [String: (revision: Int, active: Bool)] = [:]
    let artifacts: ArtifactService
    private var livenessTimer: TimerHandle?
    /// Set by `stop()`: connections closing now are the coordinator's doing, not peers leaving.
    private var stopping = false
    /// Why the store cannot be written, while it cannot (`+StoreFailure`): new runs are refused
    /// and nothing new is placed until a retry writes everything held back.
    var storeFailure: String?
    /// Runs whose state the store is missing, rewritten whole by `retryStore`.
    var unpersistedRuns: Set<String> = []
    /// Verdicts judged while the store could not take them.
    var unrecordedVerdicts: [String: (verdict: Verdict, results: [ResultFile])] = [:]
    /// Log chunks the store could not take, in arrival order, and their bytes (bounded).
    var unstoredLogs: [LogChunk] = []
    var unstoredLogBytes = 0
    /// Monotonic time of the next store retry.
    var nextStoreRetryAt: UInt64 = 0
    private static let livenessTickMillis: UInt64 = 100

    /// Binds the listener; call on `loop`.
    ///
    /// - Throws: `TLSError` for unreadable PKI files, `BundleError` for an unusable state
    ///   directory, `SystemError`/`HostResolutionError` when the address cannot be bound.
    public init(loop: EventLoop, configuration: CoordinatorConfiguration, logger: Logger) throws {
        precondition(loop.inEventLoop, "CoordinatorServer must be created on its event loop")
        self.loop = loop
        self.configuration = configuration
        self.logger = logger
        self.bundles = try BundleCache(directory: configuration.stateDirectory + "/bundles")
        let store = try CoordinatorStore(stateDirectory: configuration.stateDirectory)
        self.store = store
        self.artifacts = try ArtifactService(stateDirectory: configuration.stateDirectory, logger: logger)
        // Start time plus a random tag: two coordinator processes sharing a state directory in
        // the same second (embedded runs back to back) must not hand out the same run ids.
        let tag = SHA256Hasher.hex(secureRandomBytes(2))
        self.core = CoordinatorCore(runIDPrefix: String(UInt64(time(nil)), radix: 36) + tag,
                                    conditionEvaluator: CoordinatorServer.evaluateJobCondition)
        self.core.shardTimings = { [logger] key in
            do throws(StoreError) {
                return try store.timings(forJob: key)
            } catch {
                // Balancing falls back to equal shares; the run itself is unaffected.
                logger.warning("cannot read recorded test timings", ["timings.key": key, "error": error.description])
                return [:]
            }
        }
        let tls = try TLSConfiguration.forPeer(pkiDirectory: configuration.pkiDirectory, role: "coordinator",
                                               name: configuration.name)
        var limits = configuration.limits
        limits.handshakeTimeoutMillis = min(limits.handshakeTimeoutMillis, 10_000)
        server = try FramedServer(loop: loop, host: configuration.listen.host, port: configuration.listen.port,
                                  tls: tls, limits: limits) { [weak self] connection in
            guard let self else { connection.close(); return }
            connection.delegate = self
            self.sessions[connection.id] = PeerSession(connection: connection)
        }
        artifacts.onRecorded = { [weak self] record, job in self?.recordArtifact(record, job: job) }
        restoreUnfinishedRuns()
        scheduleLivenessTick()
        logger.info("coordinator listening", ["listen.address": server!.localAddress, "listen.port": "\(server!.localPort)"])
    }

    /// The bound port (useful when configured with port 0).
    public var port: UInt16 { server?.localPort ?? 0 }

    /// Number of agents that completed the handshake.
    public var agentCount: Int { core.agents.count }

    /// Stops listening and closes every connection; call on the loop.
    ///
    /// What the store holds stays as it is: agents keep running their jobs and reconnect to the
    /// next coordinator process, which resumes the runs; clients following a run reconnect too.
    public func stop() {
        stopping = true
        if let livenessTimer { loop.cancel(livenessTimer) }
        livenessTimer = nil
        server?.close()
        server = nil
        for session in sessions.values {
            session.connection.close(sending: ProtocolErrorMessage(code: .internalError, message: "coordinator shutting down"))
        }
    }

    // MARK: FramedConnectionDelegate

    public func connectionDidBecomeActive(_ connection: FramedConnection) {
        guard let session = sessions[connection.id], let identity = connection.peerIdentity else { return }
        let role: PeerRole
        switch identity.role {
        case "agent": role = .agent
        case "client": role = .client
        default:
            logger.warning("refused peer with role", ["peer.role": identity.role, "peer.name": identity.name])
            connection.close(sending: ProtocolErrorMessage(
                code: .notAuthorized, message: "certificate role '\(identity.role)' may not connect to a coordinator"))
            return
        }
        session.handshake = ServerHandshake(
            certificateRole: role, certificateName: identity.name, coordinatorName: configuration.name,
            heartbeatIntervalMillis: configuration.heartbeatIntervalMillis,
            heartbeatTimeoutMillis: configuration.heartbeatTimeoutMillis)
        // A peer that finished TLS but never says Hello would hold a connection slot forever.
        let limit = configuration.limits.protocolLimits.handshakeTimeoutMillis
        loop.schedule(afterMillis: limit) { [weak self, weak connection] in
            guard let self, let connection, let session = self.sessions[connection.id],
                  session.handshake?.isEstablished == false else { return }
            session.closeReason = "no Hello within \(limit) ms"
            connection.close(sending: ProtocolError.handshakeTimeout(waitedMillis: limit).replyMessage)
        }
    }

    public func connection(_ connection: FramedConnection, didReceive message: Message) {
        guard let session = sessions[connection.id], var handshake = session.handshake else { return }
        let now = loop.nowMillis()
        session.liveness?.messageReceived(now: now)
        let action = handshake.received(message)
        session.handshake = handshake
        switch action {
        case .accept(let hello, let welcome):
            connection.send(.welcome(welcome))
            session.liveness = Liveness(welcome: welcome, now: now)
            session.role = hello.role
            if hello.role == .agent {
                logger.info("agent connected", ["agent.name": hello.name, "agent.labels": hello.labels.joined(separator: ","),
                                                "agent.capacity": "\(hello.capacity)", "peer.address": connection.remoteAddress])
                recordAgent(hello)
                perform(core.agentRegistered(connection.id, hello: hello, drained: storedDrainFlag(hello.name), now: now))
            } else {
                core.clientRegistered(connection.id)
            }
        case .deliver(let message):
            handle(message, from: session, now: now)
        case .reject(let error):
            logger.notice("rejected peer", ["peer.address": connection.remoteAddress, "error": error.message])
            session.closeReason = error.message
            connection.close(sending: error)
        case .close(let error):
            session.closeReason = "\(error)"
            connection.close()
        case .ignore:
            break
        }
    }

    public func connectionDidClose(_ connection: FramedConnection, error: ConnectionError?) {
        guard let session = sessions.removeValue(forKey: connection.id) else { return }
        let abandoned = session.abortUploads()
        artifacts.connectionClosed(connection.id)
        // Shutting down: no agent is lost and no submitter has left; the next process takes over.
        guard !stopping else { return }
        let reason = session.closeReason ?? error.map { "\($0)" } ?? "connection closed"
        if session.role != nil {
            logger.info("peer disconnected", ["peer.address": connection.remoteAddress,
                                              "peer.name": connection.peerIdentity?.name ?? "", "reason": reason])
            perform(core.connectionClosed(connection.id, reason: reason, now: loop.nowMillis()))
            // Detached runs survive their submitter, but not without their source: they end in error.
            for sha256 in abandoned where !sessions.values.contains(where: { $0.uploads[sha256] != nil }) {
                perform(core.bundleFailed(sha256: sha256, reason: "the submitting client disconnected before the upload completed",
                                          now: loop.nowMillis()))
            }
        } else if let error, error.isPeerFault {
            logger.notice("connection refused", ["peer.address": connection.remoteAddress, "error": "\(error)"])
        }
    }

    // MARK: Messages

    private func handle(_ message: Message, from session: PeerSession, now: UInt64) {
        switch message {
        case .heartbeat:
            break
        case .submitRun(let submit) where session.role == .client:
            submitRun(submit, from: session, now: now)
        case .bundleChunk(let chunk) where session.role == .client:
            receiveBundleChunk(chunk, from: session, now: now)
        case .bundleRequest(let request) where session.role == .agent:
            sendBundle(request.sha256, to: session)
        case .metricSamples(let samples) where session.role == .agent:
            receivedMetricSamples(samples, from: session)
        case .artifactBegin, .artifactChunk, .artifactEnd, .artifactRefused:
            perform(artifacts.agentMessage(message, from: session.connection.id, core: core))
        case .listArtifacts, .fetchArtifact:
            artifacts.clientRequest(message, on: session.connection, core: core)
        case .fetchLogs(let request) where session.role == .client:
            sendLogs(request, to: session)
        case .watchRun, .cancelRun, .drainAgent, .listRuns, .listAgents:
            if session.role == .client { operatorRequest(message, from: session, now: now) }
        default:
            if case .jobFinished(let finished) = message {
                artifacts.jobFinished(finished.job, on: session.connection.id)
                confirmIfSuspected(finished, from: session.connection.id)
            }
            if case .logChunk(let chunk) = message { storeLog(chunk, from: session.connection.id) }
            perform(core.received(message, from: session.connection.id, now: now))
        }
    }

    private func submitRun(_ submit: SubmitRun, from session: PeerSession, now: UInt64) {
        if let storeFailure {
            session.connection.send(.runRejected(RunRejected(
                reason: "the coordinator cannot accept runs now: it cannot write its state (\(storeFailure))")))
            return
        }
        if let refusal = StateDirectoryCheck(path: configuration.stateDirectory,
                                             minFreeBytes: configuration.minFreeStateBytes).refusal() {
            logger.error("refusing a new run", ["error": refusal])
            session.connection.send(.runRejected(RunRejected(reason: "the coordinator cannot accept runs now: \(refusal)")))
            return
        }
        let plan: Plan
        do {
            let pipeline = try PipelineLoader.load(text: submit.pipelineText, fileName: submit.pipelineFileName)
            plan = try Planner.plan(pipeline, options: PlanOptions(github: ["sha": submit.sourceRevision]))
        } catch {
            session.connection.send(.runRejected(RunRejected(reason: error.description)))
            return
        }
        if let reason = unplaceableReason(plan) {
            session.connection.send(.runRejected(RunRejected(reason: reason)))
            return
        }
        let available = bundles.contains(submit.bundleSHA256)
        if !available && session.uploads[submit.bundleSHA256] == nil {
            do {
                session.uploads[submit.bundleSHA256] = try bundles.beginWrite(sha256: submit.bundleSHA256, size: submit.bundleSize)
            } catch {
                session.connection.send(.runRejected(RunRejected(reason: "cannot store the source bundle: \(error)")))
                return
            }
        }
        let runID = core.makeRunID()
        if let refusal = storeNewRun(runID, submit: submit, plan: plan,
                                     submitter: session.connection.peerIdentity?.name ?? "", bundleAvailable: available) {
            session.uploads.removeValue(forKey: submit.bundleSHA256)?.abort()
            session.connection.send(.runRejected(RunRejected(reason: refusal)))
            return
        }
        let (_, actions) = core.runSubmitted(id: runID, by: session.connection.id, submit: submit, plan: plan,
                                             bundleAvailable: available, now: now)
        artifacts.runAccepted(runID)
        logger.info("run submitted", ["run.id": runID, "run.jobs": "\(plan.jobs.count)",
                                      "run.pipeline": submit.pipelineFileName, "client.name": session.connection.peerIdentity?.name ?? ""])
        perform(actions)
        if available { perform(sourceFilesListed(runID: runID, bundles: bundles)) }
    }

    /// Names the first job no connected agent can take, with the labels it needs.
    private func unplaceableReason(_ plan: Plan) -> String? {
        for job in plan.jobs where !core.hasAgent(matching: job.runsOn) {
            let fleet = core.agents.values.sorted { $0.name < $1.name }
                .map { "\($0.name) [\($0.labels.sorted().joined(separator: ", "))]" }
            let have = fleet.isEmpty ? "no agents are connected" : "connected agents: " + fleet.joined(separator: "; ")
            return "no agent has the labels job '\(job.displayName)' needs (runs-on: \(job.runsOn.joined(separator: ", "))); \(have)"
        }
        return nil
    }

    private func receiveBundleChunk(_ chunk: BundleChunk, from session: PeerSession, now: UInt64) {
        guard let writer = session.uploads[chunk.sha256] else {
            session.connection.close(sending: ProtocolErrorMessage(
                code: .unexpectedMessage, message: "bundle \(chunk.sha256) was not requested"))
            return
        }
        do {
            try writer.write(chunk.data, at: chunk.offset)
            guard chunk.isLast else { return }
            session.uploads[chunk.sha256] = nil
            try writer.finish()
            logger.info("bundle stored", ["bundle.sha256": chunk.sha256, "bundle.size": "\(writer.expectedSize)"])
            perform(core.bundleStored(sha256: chunk.sha256, now: now))
            for runID in core.runsAwaitingSourceFiles(bundleSHA256: chunk.sha256) {
                perform(sourceFilesListed(runID: runID, bundles: bundles))
            }
        } catch {
            writer.abort()
            session.uploads[chunk.sha256] = nil
            logger.warning("bundle upload failed", ["bundle.sha256": chunk.sha256, "error": "\(error)"])
            perform(core.bundleFailed(sha256: chunk.sha256, reason: "\(error)", now: now))
        }
    }

    private func sendBundle(_ sha256: String, to session: PeerSession) {
        do {
            guard bundles.contains(sha256) else {
                throw CoordinatorServerError.unknownBundle(sha256)
            }
            try session.bundleSender.enqueue(sha256: sha256, path: try bundles.path(for: sha256))
        } catch {
            logger.warning("cannot send bundle", ["bundle.sha256": sha256, "error": "\(error)"])
            session.connection.close(sending: ProtocolErrorMessage(code: .internalError, message: "cannot send bundle \(sha256): \(error)"))
        }
    }

    // MARK: Effects

    func perform(_ actions: [CoordinatorAction]) {
        // Durable first: nobody hears of an assignment or a result the store does not hold.
        // Every run that ended is judged now, watched or not, so its verdict is stored for a later
        // `flotilla wait`; its submitter and watchers then get that same RunFinished.
        var judgedRuns: [String: RunFinished] = [:]
        let persisted = persistChanges()
        for (runID, outcome) in persisted.finished {
            guard let run = core.runs[runID] else { continue }
            judgedRuns[runID] = judged(RunFinished(runID: runID, outcome: outcome, jobs: run.summaries()))
        }
        // Placements the store could not record are taken back before anyone hears of them.
        let actions = persisted.failed.isEmpty ? actions : holdBackPlacements(actions, of: persisted.failed)
        for action in actions {
            switch action {
            case .send(let id, var message):
                guard let session = sessions[id] else { continue }
                if case .runFinished(let finished) = message {
                    let verdict = judgedRuns[finished.runID] ?? judged(finished)
                    judgedRuns[finished.runID] = verdict
                    message = .runFinished(verdict)
                }
                if !session.connection.send(message) {
                    // Only a peer that stopped reading fills 8 MiB of queue; it cannot be trusted with the rest.
                    logger.warning("peer not reading; closing", ["peer.name": session.connection.peerIdentity?.name ?? ""])
                    session.closeReason = "send queue full (peer not reading)"
                    session.connection.close(sending: ProtocolErrorMessage(code: .limitExceeded, message: "send queue full"))
                }
            case .close(let id, let error):
                sessions[id]?.closeReason = error?.message
                sessions[id]?.connection.close(sending: error)
            case .streamBundle(let id, let sha256):
                if let session = sessions[id] { sendBundle(sha256, to: session) }
            }
        }
    }

    /// The core decides a run is over; the verdict needs the stored result files, so it is judged here.
    private func judged(_ finished: RunFinished) -> RunFinished {
        guard let run = core.runs[finished.runID] else { return finished }
        let artifactList: [ArtifactSummary]
        do {
            artifactList = try artifacts.catalog.artifacts(ofRun: finished.runID) ?? []
        } catch {
            logger.warning("cannot read the run's artifacts for its verdict", ["run.id": finished.runID, "error": "\(error)"])
            return finished
        }
        let (verdict, results) = RunJudge(store: artifacts.store).judge(run, finished: finished, artifacts: artifactList,
                                                                        artifactAttempts: artifactAttempts(ofRun: finished.runID),
                                                                        performance: performanceEvidence(run))
        recordJudgement(run, verdict: verdict, results: results)
        logger.info("run judged", ["run.id": finished.runID, "verdict": verdict.verdict.rawValue,
                                   "gates": "\(verdict.gates.count)"])
        var judged = finished
        judged.verdictJSON = VerdictRenderer.json(verdict)
        return judged
    }

    private func scheduleLivenessTick() {
        livenessTimer = loop.schedule(afterMillis: Self.livenessTickMillis) { [weak self] in
            guard let self else { return }
            self.tickLiveness()
            self.scheduleLivenessTick()
        }
    }

    private func tickLiveness() {
        let now = loop.nowMillis()
        if core.pendingReclaimCount > 0 { perform(core.reclaimsExpired(now: now)) }
        if storeFailure != nil { retryStore(now: now) }
        for session in sessions.values {
            guard var liveness = session.liveness else { continue }
            switch liveness.tick(now: now) {
            case .none:
                break
            case .sendHeartbeat(let heartbeat):
                session.connection.send(.heartbeat(heartbeat))
                liveness.messageSent(now: now)
            case .timedOut(let silent):
                let seconds = String(format: "%.1f", Double(silent) / 1000)
                session.closeReason = "no heartbeat for \(seconds) s"
                logger.warning("peer missed heartbeats", ["peer.name": session.connection.peerIdentity?.name ?? "",
                                                          "silent.ms": "\(silent)"])
                session.connection.close(sending: ProtocolError.heartbeatTimeout(silentMillis: silent).replyMessage)
            }
            session.liveness = liveness
        }
    }

    /// Job `if:` with GitHub's status functions, given how the job's needs ended.
    static func evaluateJobCondition(_ condition: String, _ needs: CoordinatorCore.NeedsOutcome) -> Bool {
        let status: ExpressionContext.JobStatus
        switch needs {
        case .success: status = .success
        case .failure: status = .failure
        case .cancelled: status = .cancelled
        }
        // The planner validated the syntax; an evaluation error (e.g. fromJSON of bad text) skips the job.
        return (try? Expression.evaluateCondition(condition, context: ExpressionContext(jobStatus: status))) ?? false
    }
}

/// Failures inside the coordinator's I/O shell.
public enum CoordinatorServerError: Error, CustomStringConvertible {
    case unknownBundle(String)
    public var description: String {
        switch self {
        case .unknownBundle(let sha): return "no stored bundle \(sha)"
        }
    }
}
