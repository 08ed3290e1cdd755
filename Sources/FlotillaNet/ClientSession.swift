import FlotillaTLS
import WireProtocol

/// Why a client session cannot go on, reported as soon as it is known.
///
/// Every case but `cannotConnect` closes the connection first, so
/// `ClientSessionDelegate.sessionDidClose(_:error:)` follows on a later loop turn.
public enum ClientSessionFailure: Error, Sendable, Equatable {
    /// `FramedClient.connect` threw (the host does not resolve, the TLS session cannot be set
    /// up); the text is that error's. No connection exists, so no close follows.
    case cannotConnect(String)
    /// The peer's certificate does not carry the coordinator role (nil: it has no identity).
    case notCoordinator(PeerIdentity?)
    /// The handshake or the session broke the protocol or was refused by the coordinator;
    /// the connection closes with the Error frame the error calls for, if any.
    case protocolFailed(ProtocolError)
    /// The coordinator was silent past the session's heartbeat timeout; the connection closes
    /// with a heartbeat-timeout Error frame.
    case heartbeatTimedOut(silentMillis: UInt64)
}

/// What a `ClientSession` reports to its owner; called on the loop.
public protocol ClientSessionDelegate: AnyObject {
    /// The coordinator welcomed this client; heartbeats run from here on.
    func sessionEstablished(_ session: ClientSession, welcome: Welcome, on connection: FramedConnection)
    /// A message of the established session arrived (handshake messages are not passed on).
    func session(_ session: ClientSession, didReceive message: Message, on connection: FramedConnection)
    /// The session cannot go on; see `ClientSessionFailure` for what follows.
    func session(_ session: ClientSession, didFail failure: ClientSessionFailure)
    /// The connection closed, once per connection; nil is a clean close (see `ConnectionError`).
    func sessionDidClose(_ session: ClientSession, error: ConnectionError?)
}

/// A client's session with the coordinator: connect over mutual TLS, check that the peer is
/// the coordinator, send the Hello and keep heartbeats going once welcomed.
///
/// Loop-confined. Every fleet certificate is valid for TLS client and server use, so only the
/// role in the peer's certificate says it is the coordinator. What the session means (the
/// requests, their answers, how failures are worded, whether to reconnect) is the delegate's.
/// `connect()` may be called again after a close: each connection gets a fresh handshake.
public final class ClientSession: FramedConnectionDelegate {
    /// The coordinator's address, as the user named it.
    public let target: HostPort
    /// Gets the session's events (held weakly).
    public weak var delegate: ClientSessionDelegate?
    /// The current (or last) connection; nil before the first successful `connect()`.
    public private(set) var connection: FramedConnection?
    private let loop: EventLoop
    private let tls: TLSConfiguration
    private let hello: Hello
    private var handshake: ClientHandshake
    private var heartbeats: HeartbeatKeeper?

    /// - Parameters:
    ///   - target: The coordinator; its host is also the name its certificate must carry.
    ///   - tls: A client configuration.
    ///   - clientName: The name sent in the Hello (the client certificate's name).
    public init(loop: EventLoop, target: HostPort, tls: TLSConfiguration, clientName: String) {
        self.loop = loop
        self.target = target
        self.tls = tls
        self.hello = .client(name: clientName)
        self.handshake = ClientHandshake(hello: hello)
    }

    /// The coordinator's Welcome once the current connection's handshake is done.
    public var welcome: Welcome? { handshake.welcome }

    /// Starts connecting with a fresh handshake; loop thread only.
    ///
    /// A connection that cannot even be started is reported at once as `.cannotConnect`.
    public func connect() {
        handshake = ClientHandshake(hello: hello)
        do {
            connection = try FramedClient.connect(loop: loop, host: target.host, port: target.port, tls: tls,
                                                  serverName: target.host, delegate: self)
        } catch {
            delegate?.session(self, didFail: .cannotConnect("\(error)"))
        }
    }

    /// Queues `message` on the current connection; false when there is none or it refuses it.
    @discardableResult
    public func send(_ message: Message) -> Bool {
        connection?.send(message) ?? false
    }

    /// Stops the heartbeats and closes the current connection; idempotent.
    public func close() {
        heartbeats?.stop()
        connection?.close()
    }

    // MARK: FramedConnectionDelegate

    public func connectionDidBecomeActive(_ connection: FramedConnection) {
        guard connection.peerIdentity?.role == "coordinator" else {
            connection.close()
            delegate?.session(self, didFail: .notCoordinator(connection.peerIdentity))
            return
        }
        connection.send(handshake.initialMessage())
    }

    public func connection(_ connection: FramedConnection, didReceive message: Message) {
        heartbeats?.messageReceived()
        switch handshake.received(message) {
        case .established(let welcome):
            heartbeats = HeartbeatKeeper(loop: loop, connection: connection, welcome: welcome) { [weak self] silent in
                guard let self else { return }
                self.delegate?.session(self, didFail: .heartbeatTimedOut(silentMillis: silent))
            }
            delegate?.sessionEstablished(self, welcome: welcome, on: connection)
        case .deliver(let message):
            delegate?.session(self, didReceive: message, on: connection)
        case .failed(let error):
            if let reply = error.replyMessage { connection.close(sending: reply) } else { connection.close() }
            delegate?.session(self, didFail: .protocolFailed(error))
        case .ignore:
            break
        }
    }

    public func connectionDidClose(_ connection: FramedConnection, error: ConnectionError?) {
        heartbeats?.stop()
        delegate?.sessionDidClose(self, error: error)
    }
}
