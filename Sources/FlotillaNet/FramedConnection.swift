import FlotillaTLS
import Synchronization
import WireProtocol

/// What a `FramedConnection` tells its owner; every call happens on the connection's loop.
///
/// Delegate methods are never called from inside `send` or `close`: events those cause are
/// delivered on a later loop turn, so a delegate may call either freely.
///
/// TLS 1.3 note: a client finishes its side of the handshake before the server has checked
/// the client's certificate, so a client may see `connectionDidBecomeActive` and then
/// `connectionDidClose(.tls(...))` when the server refuses it. Servers only become active for
/// verified peers.
public protocol FramedConnectionDelegate: AnyObject {
    /// The TLS handshake completed; `peerIdentity` is set and `send` goes straight out.
    func connectionDidBecomeActive(_ connection: FramedConnection)
    /// A complete message arrived, in order.
    func connection(_ connection: FramedConnection, didReceive message: Message)
    /// The connection is closed and its socket released. Called exactly once per connection,
    /// whether or not it ever became active; nil means a clean close (see `ConnectionError`).
    func connectionDidClose(_ connection: FramedConnection, error: ConnectionError?)
}

/// Source of connection ids, unique across every loop in the process.
private let connectionIDs = Atomic<UInt64>(1)

/// A TLS connection carrying length-prefixed `Message` frames over a non-blocking socket.
///
/// Loop-confined: created by `FramedServer` or `FramedClient` on an event loop and used only
/// on its thread (wrap it in `LoopBound` to pass it through `@Sendable` closures).
///
/// Inbound: socket → `TLSEngine` → `FrameDecoder` (with `limits.protocolLimits`) → delegate.
/// A frame the decoder rejects gets an Error frame back, then the connection closes with
/// `.protocolViolation`. Outbound: `send` encodes a frame into a bounded queue; the loop
/// encrypts and writes it when the socket is writable.
///
/// The connection keeps itself alive while its socket is open (the loop holds it); the
/// delegate is weak.
public final class FramedConnection {
    /// Where a connection is in its life.
    public enum State: Sendable, Equatable {
        /// TCP connect in progress (clients only).
        case connecting
        /// TCP is up; TLS handshake in progress.
        case handshaking
        /// Handshake done; messages flow both ways.
        case active
        /// `close` was called or an error occurred; flushing what was queued.
        case closing
        /// Socket closed; the delegate was (or is about to be) told.
        case closed
    }

    enum Side { case server, client }

    /// Unique among the process's connections.
    public let id: UInt64
    /// The loop the connection lives on.
    public let eventLoop: EventLoop
    /// The bounds this connection enforces.
    public let limits: ConnectionLimits
    /// Told about activation, messages and closure; weak.
    public weak var delegate: FramedConnectionDelegate?
    /// The identity from the peer's verified certificate; set before `connectionDidBecomeActive`.
    public internal(set) var peerIdentity: PeerIdentity?
    /// The peer's address, "127.0.0.1:52100" or "[::1]:7000".
    public internal(set) var remoteAddress: String
    /// Where the connection is in its life.
    public internal(set) var state: State
    /// Called on the loop when buffered outgoing bytes drop below `limits.sendLowWaterBytes`
    /// after reaching it or after a refused `send`: the moment to resume streaming.
    public var onWritable: (() -> Void)?

    let side: Side
    let engine: TLSEngine
    var decoder: FrameDecoder
    var fd: Int32 = -1
    var registration: EventLoop.RegistrationID?
    /// Encoded frames not yet handed to TLS (all of them until the handshake completes).
    var pendingPlaintext: [UInt8] = []
    /// Ciphertext not yet accepted by the socket.
    var outbound = OutboundBuffer()
    /// Connect, handshake or close-flush deadline, whichever phase is current.
    var phaseTimer: TimerHandle?
    var closeError: ConnectionError?
    var writableNotificationDue = false
    /// Client only: addresses still to try, and the error of the last failed one.
    var connectCandidates: [SocketAddress] = []
    var lastConnectError: SystemError?
    /// Server bookkeeping, run when the socket closes.
    var onFinalClose: ((FramedConnection) -> Void)?

    init(loop: EventLoop, side: Side, engine: TLSEngine, limits: ConnectionLimits, remoteAddress: String) {
        self.id = connectionIDs.wrappingAdd(1, ordering: .relaxed).oldValue
        self.eventLoop = loop
        self.side = side
        self.engine = engine
        self.limits = limits
        self.decoder = FrameDecoder(limits: limits.protocolLimits)
        self.remoteAddress = remoteAddress
        self.state = side == .client ? .connecting : .handshaking
    }

    deinit {
        // Unreachable while the socket is registered (the loop holds the connection); this
        // only catches a connection dropped between creation and registration.
        if fd >= 0 { Syscalls.close(fd) }
    }

    /// Bytes queued and not yet written to the socket (plaintext frames plus ciphertext).
    public var bufferedSendBytes: Int { pendingPlaintext.count + outbound.byteCount }

    /// True while messages can be sent and received.
    public var isActive: Bool { state == .active }

    /// Queues `message` for the peer; loop thread only.
    ///
    /// Messages sent before the handshake completes are held and go out once it does.
    /// The caller keeps each message within the peer's `ProtocolLimits`.
    /// - Returns: False, queuing nothing, when the connection is closing or closed or the
    ///   frame would push `bufferedSendBytes` past `limits.maxBufferedSendBytes`; wait for
    ///   `onWritable` before trying again.
    @discardableResult
    public func send(_ message: Message) -> Bool {
        precondition(eventLoop.inEventLoop, "FramedConnection.send off its event loop")
        return enqueue(frame: FrameEncoder.encode(message))
    }

    /// Queues bytes that need not be a valid frame, bypassing the encoder (tests and
    /// diagnostics that exercise a peer's decoder).
    @discardableResult
    func sendUnframed(_ bytes: [UInt8]) -> Bool {
        precondition(eventLoop.inEventLoop, "FramedConnection.sendUnframed off its event loop")
        return enqueue(frame: bytes)
    }

    private func enqueue(frame: [UInt8]) -> Bool {
        switch state {
        case .connecting, .handshaking, .active: break
        case .closing, .closed: return false
        }
        guard bufferedSendBytes + frame.count <= limits.maxBufferedSendBytes else {
            writableNotificationDue = true
            return false
        }
        pendingPlaintext.append(contentsOf: frame)
        if bufferedSendBytes >= limits.sendLowWaterBytes { writableNotificationDue = true }
        if state == .active { updateInterest() }
        return true
    }

    /// Closes the connection; loop thread only. Idempotent.
    ///
    /// Queued messages, then `error` as an Error frame (when given and the connection is
    /// active), then TLS close_notify are flushed for at most `limits.closeFlushTimeoutMillis`
    /// before the socket is closed. Before the handshake completes there is no session to
    /// carry them, so queued messages and `error` are dropped. The delegate's
    /// `connectionDidClose(error: nil)` follows on a later loop turn. Nothing is received
    /// after this call.
    public func close(sending error: ProtocolErrorMessage? = nil) {
        precondition(eventLoop.inEventLoop, "FramedConnection.close off its event loop")
        beginClose(error: nil, sending: error)
    }
}
