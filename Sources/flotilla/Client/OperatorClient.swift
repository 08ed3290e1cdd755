import FlotillaNet
import FlotillaTLS
import WireProtocol

/// One request, one answer: the session of `flotilla cancel`, `drain`, and remote `runs`/`agents`.
///
/// Loop-confined. After the handshake it sends `request`; each message that arrives is given
/// to `answer`, which returns the exit code once it has seen the answer (nil: keep waiting).
/// It heartbeats like any client.
final class OperatorClient: ClientSessionDelegate {
    private let session: ClientSession
    private let command: String
    private let request: Message
    private let answer: (Message) -> Int32?
    private let onExit: (Int32) -> Void
    private var finished = false

    /// Runs the session on a fresh loop until it ends; returns the exit code.
    static func run(_ endpoint: ClientEndpoint, command: String, request: Message,
                    answer: @escaping @Sendable (Message) -> Int32?) throws -> Int32 {
        try runLoopUntilExit(threadName: "flotilla-\(command)") { loop, residents, latch in
            let client = OperatorClient(loop: loop, target: endpoint.address, tls: endpoint.tls, clientName: endpoint.name,
                                        command: command, request: request, answer: answer) { code in latch.resolve(code) }
            residents.keep(client)
            client.start()
            return { _ in client.finish(ExitCode.unrunnable, message: "interrupted") }
        }
    }

    init(loop: EventLoop, target: HostPort, tls: TLSConfiguration, clientName: String, command: String, request: Message,
         answer: @escaping (Message) -> Int32?, onExit: @escaping (Int32) -> Void) {
        self.session = ClientSession(loop: loop, target: target, tls: tls, clientName: clientName)
        self.command = command
        self.request = request
        self.answer = answer
        self.onExit = onExit
        session.delegate = self
    }

    func start() {
        session.connect()
    }

    // MARK: ClientSessionDelegate

    func sessionEstablished(_ session: ClientSession, welcome: Welcome, on connection: FramedConnection) {
        connection.send(request)
    }

    func session(_ session: ClientSession, didReceive message: Message, on connection: FramedConnection) {
        if let code = answer(message) { finish(code, message: nil) }
    }

    func session(_ session: ClientSession, didFail failure: ClientSessionFailure) {
        if let message = failure.endingMessage(target: session.target) { finish(ExitCode.unrunnable, message: message) }
    }

    func sessionDidClose(_ session: ClientSession, error: ConnectionError?) {
        let target = session.target
        let reason: String
        switch error {
        case .connectFailed(let system)?: reason = "cannot reach coordinator at \(target): \(system)"
        case .tls(let tlsError)?: reason = "TLS handshake with coordinator \(target) failed (certificate refused?): \(tlsError)"
        case let other?: reason = "lost the connection to coordinator \(target): \(other)"
        case nil: reason = "coordinator \(target) closed the connection before answering"
        }
        finish(ExitCode.unrunnable, message: reason)
    }

    func finish(_ code: Int32, message: String?) {
        guard !finished else { return }
        finished = true
        if let message { printError("flotilla \(command): \(message)") }
        session.close()
        onExit(code)
    }
}

/// Where a client command connects: `--coordinator HOST:PORT --pki DIR --name CLIENT`.
struct ClientEndpoint: Sendable {
    let address: HostPort
    let tls: TLSConfiguration
    let name: String

    /// The endpoint the options name, or nil without `--coordinator`.
    static func parse(_ args: ArgumentList, command: String) throws -> ClientEndpoint? {
        guard let coordinator = args.value("coordinator") else { return nil }
        let address = try HostPort.parse(coordinator)
        let pki = try args.required("pki", "DIR holding ca.crt and client-NAME.crt/.key (with --coordinator)")
        let name = try args.required("name", "CLIENT (the name of your client certificate, with --coordinator)")
        return ClientEndpoint(address: address, tls: try TLSConfiguration.forPeer(pkiDirectory: pki, role: "client", name: name),
                              name: name)
    }

    /// The endpoint, or a usage error saying why these commands need a coordinator.
    static func required(_ args: ArgumentList, command: String) throws -> ClientEndpoint {
        guard let endpoint = try parse(args, command: command) else {
            throw UsageError(command: command, message: "needs --coordinator HOST:PORT --pki DIR --name CLIENT: the embedded "
                             + "coordinator lives only inside 'flotilla run', so there is no coordinator to ask without one")
        }
        return endpoint
    }
}
