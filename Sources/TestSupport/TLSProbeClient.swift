import FlotillaTLS

/// A blocking TLS client over a ``LoopbackConnection``, for tests that poke a server with
/// credentials or bytes a well-behaved peer would never send.
///
/// It drives a `TLSEngine` by hand: every wait is bounded by the timeout given, and every
/// ending (handshake refused, alert, close_notify, EOF, silence) is reported as a value
/// rather than thrown, because for these tests each ending is a legitimate observation.
/// Not thread-safe.
public final class TLSProbeClient {
    /// How a handshake attempt ended.
    public enum HandshakeOutcome: Sendable, Equatable {
        /// This side's handshake finished. In TLS 1.3 the server may still refuse the
        /// client's certificate afterwards; that shows up when reading.
        case completed
        /// The engine failed (bad certificate, alert from the peer, garbage).
        case failed(TLSError)
        /// The peer closed the connection mid-handshake.
        case closedByPeer
        /// Nothing decisive happened before the deadline.
        case timedOut
    }

    /// How reading application data ended.
    public enum Ending: Sendable, Equatable {
        /// The peer sent close_notify.
        case closeNotify
        /// The connection closed (EOF or reset) without close_notify.
        case connectionClosed
        /// The engine failed: a fatal alert (such as a refused certificate) or a bad record.
        case tlsFailure(TLSError)
        /// The peer kept the connection open past the deadline.
        case timedOut

        /// True for every ending in which the peer ended the session.
        public var peerEndedSession: Bool { self != .timedOut }
    }

    /// The underlying socket.
    public let connection: LoopbackConnection
    /// The TLS session.
    public let engine: TLSEngine
    private var socketClosed = false

    /// Connects to 127.0.0.1:`port` (the TLS handshake starts with ``handshake(timeoutMillis:)``).
    ///
    /// - Parameters:
    ///   - configuration: a client configuration, with or without a certificate.
    ///   - serverName: the name the server's certificate must carry.
    /// - Throws: ``LoopbackConnectionError`` or `TLSError` from creating the engine.
    public init(port: UInt16, configuration: TLSConfiguration, serverName: String = "127.0.0.1") throws {
        connection = try LoopbackConnection(port: port)
        engine = try TLSEngine(configuration: configuration, serverName: serverName)
    }

    /// Runs the handshake until it completes, fails, or `timeoutMillis` passes.
    public func handshake(timeoutMillis: Int) -> HandshakeOutcome {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMillis)
        while true {
            let complete: Bool
            do {
                complete = try engine.advanceHandshake()
            } catch {
                flush() // the alert telling the server why
                return .failed(error)
            }
            flush()
            if complete { return .completed }
            switch connection.read(timeoutMillis: Self.millis(until: deadline)) {
            case .bytes(let bytes): engine.receiveCiphertext(bytes)
            case .closed: return .closedByPeer
            case .timedOut: return .timedOut
            }
        }
    }

    /// Encrypts and sends application bytes.
    ///
    /// - Throws: `TLSError` from the engine or ``LoopbackConnectionError`` when the server
    ///   already closed.
    public func send(_ plaintext: [UInt8]) throws {
        try engine.writePlaintext(plaintext)
        let ciphertext = engine.takeCiphertext()
        if !ciphertext.isEmpty { try connection.write(ciphertext) }
    }

    /// Reads application data until the session ends or `timeoutMillis` passes.
    ///
    /// - Returns: the plaintext received (possibly empty) and how reading ended.
    public func receiveUntilEnd(timeoutMillis: Int) -> (plaintext: [UInt8], ending: Ending) {
        let deadline = ContinuousClock.now + .milliseconds(timeoutMillis)
        var plaintext: [UInt8] = []
        while true {
            do {
                switch try engine.readPlaintext(into: &plaintext, maxBytes: 65_536) {
                case .bytes: flush(); continue
                case .closed: return (plaintext, .closeNotify)
                case .wantMoreInput: flush()
                }
            } catch {
                return (plaintext, .tlsFailure(error))
            }
            switch connection.read(timeoutMillis: Self.millis(until: deadline)) {
            case .bytes(let bytes): engine.receiveCiphertext(bytes)
            case .closed: return (plaintext, .connectionClosed)
            case .timedOut: return (plaintext, .timedOut)
            }
        }
    }

    /// Sends whatever the engine queued; a server that already left is not an error here.
    private func flush() {
        let ciphertext = engine.takeCiphertext()
        guard !ciphertext.isEmpty, !socketClosed else { return }
        do { try connection.write(ciphertext) } catch { socketClosed = true }
    }

    private static func millis(until deadline: ContinuousClock.Instant) -> Int {
        let remaining = deadline - ContinuousClock.now
        return remaining > .zero ? Int((remaining / .milliseconds(1)).rounded(.up)) : 0
    }
}
