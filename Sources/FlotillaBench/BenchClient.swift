import FlotillaCore
import FlotillaNet
import FlotillaTLS
import WireProtocol

/// A run client that stays connected and submits runs one after another.
///
/// Loop-confined. Mirrors the CLI's `RunClient` (a `ClientSession`: mutual TLS as a client,
/// handshake, heartbeats; bundle upload on request) but keeps its session across runs, so the
/// benchmark times dispatch rather than connection setup. The coordinator answers
/// submissions in order, which is how a `RunAccepted` is matched to its submission.
final class BenchClient: ClientSessionDelegate {
    /// What a finished submission reports; times are taken on the client loop.
    struct Completed: Sendable {
        var runID: String
        /// Monotonic µs just before `SubmitRun` was written.
        var submittedMonotonic: Int64
        /// Monotonic µs when `RunFinished` was decoded.
        var finishedMonotonic: Int64
        /// Realtime µs at the same moment, to compare with log marks and `$EPOCHREALTIME`.
        var finishedRealtime: Int64
        var result: RunFinished
    }

    typealias Handler = (Result<Completed, BenchError>) -> Void

    private struct Pending {
        var submittedMonotonic: Int64
        var handler: Handler
    }

    private let session: ClientSession
    private var sender: BundleSender?
    private var onEstablished: ((Result<Void, BenchError>) -> Void)?
    private var awaitingAcceptance: [Pending] = []
    private var running: [String: Pending] = [:]
    private var bundlePaths: [String: String] = [:]
    private var closed = false
    /// Gets the messages this client does not interpret itself (artifact events and data),
    /// for benchmarks that do; called on the loop.
    var onOtherMessage: ((Message) -> Void)?

    init(loop: EventLoop, target: HostPort, tls: TLSConfiguration, name: String) {
        self.session = ClientSession(loop: loop, target: target, tls: tls, clientName: name)
        session.delegate = self
    }

    /// Connects and completes the handshake; `done` runs once, on the loop.
    func connect(_ done: @escaping (Result<Void, BenchError>) -> Void) {
        onEstablished = done
        session.connect()
    }

    /// Submits a run; `handler` gets its `RunFinished` (or the failure), once, on the loop.
    func submit(_ submit: SubmitRun, bundlePath: String, handler: @escaping Handler) {
        guard session.welcome != nil, !closed else {
            return handler(.failure(.session("the client session is not established")))
        }
        bundlePaths[submit.bundleSHA256] = bundlePath
        awaitingAcceptance.append(Pending(submittedMonotonic: BenchClock.monotonicMicros(), handler: handler))
        session.send(.submitRun(submit))
    }

    /// Queues `message` on the established session; false when there is none or its queue is full.
    func send(_ message: Message) -> Bool {
        guard session.welcome != nil, !closed else { return false }
        return session.send(message)
    }

    /// Closes the session; call on the loop.
    func close() {
        closed = true
        session.close()
    }

    // MARK: ClientSessionDelegate

    func sessionEstablished(_ session: ClientSession, welcome: Welcome, on connection: FramedConnection) {
        onEstablished?(.success(()))
        onEstablished = nil
    }

    func session(_ session: ClientSession, didReceive message: Message, on connection: FramedConnection) {
        handle(message, on: connection)
    }

    func session(_ session: ClientSession, didFail failure: ClientSessionFailure) {
        switch failure {
        case .cannotConnect(let reason):
            fail(.session("cannot connect to the coordinator at \(session.target): \(reason)"))
        case .notCoordinator(let peer):
            fail(.session("the peer at \(session.target) is not a coordinator (\(peer?.description ?? "no identity"))"))
        case .protocolFailed(let error):
            fail(.session("the coordinator ended the session: \(error)"))
        case .heartbeatTimedOut:
            break  // the close that follows fails the session
        }
    }

    func sessionDidClose(_ session: ClientSession, error: ConnectionError?) {
        guard !closed else { return }
        fail(.session("lost the connection to the coordinator: \(error.map { "\($0)" } ?? "closed by the coordinator")"))
    }

    // MARK: Run events

    private func handle(_ message: Message, on connection: FramedConnection) {
        switch message {
        case .runAccepted(let accepted):
            guard !awaitingAcceptance.isEmpty else {
                return fail(.session("RunAccepted \(accepted.runID) without a pending submission"))
            }
            running[accepted.runID] = awaitingAcceptance.removeFirst()
        case .runRejected(let rejected):
            guard !awaitingAcceptance.isEmpty else { return fail(.session("RunRejected without a pending submission")) }
            awaitingAcceptance.removeFirst().handler(.failure(.runRejected(rejected.reason)))
        case .bundleRequest(let request):
            guard let path = bundlePaths[request.sha256] else {
                connection.close(sending: ProtocolErrorMessage(code: .unexpectedMessage,
                                                               message: "bundle \(request.sha256) was never submitted"))
                return fail(.session("the coordinator asked for unknown bundle \(request.sha256)"))
            }
            do {
                let sender = self.sender ?? BundleSender(connection: connection)
                self.sender = sender
                try sender.enqueue(sha256: request.sha256, path: path)
            } catch {
                fail(.session("cannot upload the source bundle: \(error)"))
            }
        case .runFinished(let result):
            guard let pending = running.removeValue(forKey: result.runID) else { return }
            pending.handler(.success(Completed(runID: result.runID, submittedMonotonic: pending.submittedMonotonic,
                                               finishedMonotonic: BenchClock.monotonicMicros(),
                                               finishedRealtime: BenchClock.realtimeMicros(), result: result)))
        default:
            // Job events, step events and logs: the dispatch benchmark reads only the final summary.
            onOtherMessage?(message)
        }
    }

    /// Fails the session and every submission waiting on it.
    private func fail(_ error: BenchError) {
        guard !closed else { return }
        closed = true
        onEstablished?(.failure(error))
        onEstablished = nil
        let waiting = awaitingAcceptance.map(\.handler) + running.values.map(\.handler)
        awaitingAcceptance.removeAll()
        running.removeAll()
        for handler in waiting { handler(.failure(error)) }
        session.close()
    }
}
