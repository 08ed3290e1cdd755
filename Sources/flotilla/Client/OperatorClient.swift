import FlotillaNet
import FlotillaTLS
import WireProtocol

/// One request, one answer: the session of `flotilla cancel`, `drain`, and remote `runs`/`agents`.
///
/// Loop-confined. After the handshake it sends `request`; each message that arrives is given
/// to `answer`, which returns the exit code once it has seen the answer (nil: keep waiting).
/// It heartbeats like any client.
final class OperatorClient: FramedConnectionDelegate {
    private let loop: EventLoop
    private let target: HostPort
    private let tls: TLSConfiguration
    private let command: String
    private let request: Message
    private let answer: (Message) -> Int32?
    private let onExit: (Int32) -> Void
    private var handshake: ClientHandshake
    private var heartbeats: HeartbeatKeeper?
    private var connection: FramedConnection?
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
        self.loop = loop
        self.target = target
        self.tls = tls
        self.command = command
        self.request = request
        self.answer = answer
        self.onExit = onExit
        self.handshake = ClientHandshake(hello: .client(name: clientName))
    }

    func start() {
        do {
            connection = try FramedClient.connect(loop: loop, host: target.host, port: target.port, tls: tls,
                                                  serverName: target.host, delegate: self)
        } catch {
            finish(ExitCode.unrunnable, message: "cannot connect to coordinator \(target): \(error)")
        }
    }

    // MARK: FramedConnectionDelegate

    func connectionDidBecomeActive(_ connection: FramedConnection) {
        guard connection.peerIdentity?.role == "coordinator" else {
            connection.close()
            return finish(ExitCode.unrunnable, message: "the peer at \(target) is not a coordinator "
                          + "(\(connection.peerIdentity?.description ?? "no identity"))")
        }
        connection.send(handshake.initialMessage())
    }

    func connection(_ connection: FramedConnection, didReceive message: Message) {
        heartbeats?.messageReceived()
        switch handshake.received(message) {
        case .established(let welcome):
            heartbeats = HeartbeatKeeper(loop: loop, connection: connection, welcome: welcome) { _ in }
            connection.send(request)
        case .deliver(let message):
            if let code = answer(message) { finish(code, message: nil) }
        case .failed(let error):
            if let reply = error.replyMessage { connection.close(sending: reply) } else { connection.close() }
            finish(ExitCode.unrunnable, message: "coordinator \(target) ended the session: \(error)")
        case .ignore:
            break
        }
    }

    func connectionDidClose(_ connection: FramedConnection, error: ConnectionError?) {
        heartbeats?.stop()
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
        connection?.close()
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
