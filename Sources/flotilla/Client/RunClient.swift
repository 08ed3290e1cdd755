import FlotillaAgent
import FlotillaCore
import FlotillaNet
import FlotillaTLS
import WireProtocol

/// Submits one run to a coordinator and follows it to the end; the `flotilla run` session.
///
/// Loop-confined. Connects over mutual TLS as a client, uploads the source bundle when the
/// coordinator asks for it, hands every event to the printer and reports the exit code once.
/// The same session serves `flotilla submit` (submit detached, upload, print the run id) and
/// `flotilla wait` (follow a run submitted elsewhere).
///
/// Once a run is accepted (or, for `wait`, named), losing the coordinator is not the end: it
/// may be restarting, and it resumes its runs. The session reconnects with backoff for up to
/// `reconnectWindowMillis` and follows the run again (`WatchRun`).
final class RunClient: ClientSessionDelegate {
    /// What the session does after the handshake.
    enum Mode: Sendable {
        /// Submit and follow to the end (`flotilla run`).
        case follow
        /// Submit detached; once the coordinator holds the run and its bundle, print the id and end (`flotilla submit`).
        case submitOnly
        /// Follow the run with this id (`flotilla wait`); `submit` is not sent.
        case watch(String)
    }

    private let loop: EventLoop
    private let session: ClientSession
    private var target: HostPort { session.target }
    private let submit: SubmitRun
    private let bundlePath: String
    private let printer: RunProgressPrinter
    private let verdictOutput: VerdictOutput
    private let onExit: (Int32) -> Void
    /// The run being followed once known: after a lost connection, the session reconnects and watches it.
    private var followedRunID: String?
    private var backoff = ReconnectBackoff(initialMillis: 250, maxMillis: 5_000)
    /// When the current outage began (monotonic), while reconnecting.
    private var outageStartedAt: UInt64?
    /// How long to keep trying to reach a coordinator that went away mid-run.
    static let reconnectWindowMillis: UInt64 = 180_000
    private var sender: BundleSender?
    private var finished = false
    private var closeReason: String?
    private let mode: Mode
    /// `submitOnly`: the accepted run's id, printed once the coordinator holds the bundle.
    private var acceptedRunID: String?
    /// `submitOnly`: a `ListRuns` was sent after the whole bundle was queued; its answer confirms the upload.
    private var uploadBarrierSent = false

    init(loop: EventLoop, target: HostPort, tls: TLSConfiguration, clientName: String, submit: SubmitRun,
         bundlePath: String, printer: RunProgressPrinter, verdictOutput: VerdictOutput = VerdictOutput(),
         mode: Mode = .follow, onExit: @escaping (Int32) -> Void) {
        self.mode = mode
        self.verdictOutput = verdictOutput
        self.loop = loop
        self.session = ClientSession(loop: loop, target: target, tls: tls, clientName: clientName)
        self.submit = submit
        self.bundlePath = bundlePath
        self.printer = printer
        self.onExit = onExit
        if case .watch(let runID) = mode { followedRunID = runID }
        session.delegate = self
    }

    /// Starts connecting; call on the loop.
    func start() {
        session.connect()
    }

    /// Gives up (Ctrl-C): closing the connection cancels a followed run; detached and watched runs go on.
    func interrupt() {
        switch mode {
        case .follow: printer.note("interrupted: cancelling the run")
        case .submitOnly: printer.error("interrupted before the coordinator confirmed the run and its source")
        case .watch: printer.error("interrupted; the run goes on ('flotilla cancel RUN' stops it)")
        }
        session.close()
        finish(ExitCode.unrunnable, message: nil)
    }

    // MARK: ClientSessionDelegate

    func sessionEstablished(_ session: ClientSession, welcome: Welcome, on connection: FramedConnection) {
        backoff.reset()
        if let runID = followedRunID, outageStartedAt != nil {
            outageStartedAt = nil
            printer.note("reconnected to coordinator \(target); following run \(runID) again")
            connection.send(.watchRun(WatchRun(runID: runID)))
        } else if case .watch(let runID) = mode {
            connection.send(.watchRun(WatchRun(runID: runID)))
        } else {
            connection.send(.submitRun(submit))
        }
    }

    func session(_ session: ClientSession, didReceive message: Message, on connection: FramedConnection) {
        handle(message, on: connection)
    }

    func session(_ session: ClientSession, didFail failure: ClientSessionFailure) {
        switch failure {
        case .cannotConnect:
            if outageStartedAt != nil && scheduleReconnect(nil) { return }
            finish(ExitCode.unrunnable, message: failure.endingMessage(target: target))
        case .notCoordinator(let peer):
            // The close that follows decides: a reconnect while following a run, else the end.
            closeReason = "the peer at \(target) presented a \(peer?.description ?? "certificate without identity"), not a coordinator's"
        case .protocolFailed(.peerReportedError(code: .internalError, let message)) where followedRunID != nil && !isSubmitOnly:
            // The coordinator going down (a restart, an upgrade) is an outage, not a refusal: the close reconnects.
            closeReason = "the coordinator said: \(message)"
        case .protocolFailed(let error):
            closeReason = "\(error)"
            finish(ExitCode.unrunnable, message: failure.endingMessage(target: target))
        case .heartbeatTimedOut(let silent):
            closeReason = "no heartbeat from the coordinator for \(silent) ms"
        }
    }

    func sessionDidClose(_ session: ClientSession, error: ConnectionError?) {
        guard !finished else { return }
        if reconnectsAfterLoss(error) { return }
        let reason: String
        switch error {
        case .connectFailed(let system)?:
            reason = "cannot reach coordinator at \(target): \(system)"
        case .tls(let tlsError)?:
            reason = "TLS handshake with coordinator \(target) failed (certificate refused?): \(tlsError)"
        case .handshakeTimeout?:
            reason = "coordinator \(target) did not complete the TLS handshake in time"
        case let other?:
            reason = "lost the connection to coordinator \(target): \(closeReason ?? other.description)"
        case nil:
            reason = "coordinator \(target) closed the connection\(closeReason.map { ": \($0)" } ?? "")"
        }
        finish(ExitCode.unrunnable, message: reason)
    }

    // MARK: Run events

    private func handle(_ message: Message, on connection: FramedConnection) {
        if case .submitOnly = mode { return handleSubmitOnly(message, on: connection) }
        switch message {
        case .runAccepted(let accepted):
            followedRunID = accepted.runID
            printer.runAccepted(accepted)
        case .runRejected(let rejected):
            connection.close()
            if case .watch(let runID) = mode {
                return finish(ExitCode.unrunnable, message: "cannot follow run \(runID): \(rejected.reason)")
            }
            finish(ExitCode.unrunnable, message: "the coordinator refused the run:\n\(rejected.reason)")
        case .bundleRequest(let request):
            upload(request, on: connection)
        case .jobEvent(let event):
            printer.jobEvent(event)
        case .stepStarted(let step):
            printer.stepStarted(step)
        case .stepFinished(let step):
            printer.stepFinished(step)
        case .logChunk(let chunk):
            printer.log(chunk)
        case .artifactStored(let stored):
            printer.note(ArtifactsCommand.storedLine(stored))
        case .artifactRefused(let refused):
            printer.note(ArtifactsCommand.refusedLine(refused))
        case .runFinished(let result):
            printer.runFinished(result)
            connection.close()
            finish(verdictOutput.finish(result, printer: printer), message: nil)
        case .heartbeat:
            break
        default:
            break
        }
    }

    private func upload(_ request: BundleRequest, on connection: FramedConnection) {
        guard request.sha256 == submit.bundleSHA256 else {
            connection.close(sending: ProtocolErrorMessage(code: .unexpectedMessage,
                                                           message: "bundle \(request.sha256) is not this run's"))
            return
        }
        do {
            let sender = self.sender ?? BundleSender(connection: connection)
            self.sender = sender
            try sender.enqueue(sha256: request.sha256, path: bundlePath)
        } catch {
            connection.close()
            finish(ExitCode.unrunnable, message: "cannot upload the source bundle: \(error)")
        }
    }

    /// `flotilla submit`: upload when asked, then make sure the coordinator holds everything.
    ///
    /// The coordinator handles a connection's messages in order, so the answer to a
    /// `ListRuns` sent after the last bundle chunk means the bundle was received (and the
    /// run is no longer tied to this connection); only then is the id printed.
    private func handleSubmitOnly(_ message: Message, on connection: FramedConnection) {
        switch message {
        case .runAccepted(let accepted):
            guard acceptedRunID == nil else { return }
            acceptedRunID = accepted.runID
            connection.send(.listRuns(ListRuns(limit: 1)))
        case .runRejected(let rejected):
            connection.close()
            finish(ExitCode.unrunnable, message: "the coordinator refused the run:\n\(rejected.reason)")
        case .bundleRequest(let request):
            upload(request, on: connection)
        case .runList:
            confirmWhenUploaded(on: connection)
        default:
            break
        }
    }

    private func confirmWhenUploaded(on connection: FramedConnection) {
        guard let runID = acceptedRunID, !finished else { return }
        // The bundle request, when there is one, precedes the first answer; no sender means no upload.
        guard sender == nil || uploadBarrierSent else { return sendBarrierWhenUploaded(on: connection) }
        printLine(runID)
        connection.close()
        finish(ExitCode.success, message: nil)
    }

    private func sendBarrierWhenUploaded(on connection: FramedConnection) {
        guard !finished, let sender else { return }
        guard sender.isIdle else {
            _ = loop.schedule(afterMillis: 20) { [weak self] in self?.sendBarrierWhenUploaded(on: connection) }
            return
        }
        uploadBarrierSent = true
        connection.send(.listRuns(ListRuns(limit: 1)))
    }

    private var isSubmitOnly: Bool {
        if case .submitOnly = mode { return true }
        return false
    }

    /// Schedules a reconnect when a followed run may outlive this connection; false when the session ends.
    private func reconnectsAfterLoss(_ error: ConnectionError?) -> Bool {
        isSubmitOnly ? false : scheduleReconnect(error)
    }

    private func scheduleReconnect(_ error: ConnectionError?) -> Bool {
        guard let runID = followedRunID else { return false }
        // Refusals (certificates, protocol) will not heal by retrying.
        if case .tls? = error { return false }
        let now = loop.nowMillis()
        if outageStartedAt == nil {
            outageStartedAt = now
            printer.note("lost the connection to coordinator \(target) while following run \(runID); reconnecting")
        }
        guard now - outageStartedAt! < Self.reconnectWindowMillis else { return false }
        closeReason = nil
        let delay = backoff.nextDelay(random: Double.random(in: 0..<1))
        _ = loop.schedule(afterMillis: delay) { [weak self] in
            guard let self, !self.finished else { return }
            self.start()
        }
        return true
    }

    private func finish(_ code: Int32, message: String?) {
        guard !finished else { return }
        finished = true
        if let message { printer.error(message) }
        onExit(code)
    }
}
