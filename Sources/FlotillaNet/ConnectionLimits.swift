import WireProtocol

/// Bounds a `FramedConnection` (and a `FramedServer`) enforces.
public struct ConnectionLimits: Sendable, Equatable {
    /// Most bytes `send` may queue (encoded frames not yet encrypted plus ciphertext not yet
    /// written); a `send` that would exceed it returns false and queues nothing.
    public var maxBufferedSendBytes: Int
    /// `onWritable` fires when buffered bytes fall below this after reaching it (or after a
    /// refused `send`).
    public var sendLowWaterBytes: Int
    /// Time from TCP connection to TLS handshake completion before `.handshakeTimeout`.
    public var handshakeTimeoutMillis: UInt64
    /// Time an outgoing TCP connect may take before `.connectFailed(ETIMEDOUT)`.
    public var connectTimeoutMillis: UInt64
    /// How long `close` keeps flushing queued bytes (an Error frame, close_notify) before
    /// the socket is closed regardless.
    public var closeFlushTimeoutMillis: UInt64
    /// Frame and field limits for decoding what the peer sends.
    public var protocolLimits: ProtocolLimits
    /// Servers only: connections (handshaking or active) beyond which new sockets are
    /// closed as soon as they are accepted.
    public var maxConnections: Int

    /// Creates limits; `sendLowWaterBytes` defaults to a quarter of `maxBufferedSendBytes`.
    public init(maxBufferedSendBytes: Int = 8 * 1024 * 1024,
                sendLowWaterBytes: Int? = nil,
                handshakeTimeoutMillis: UInt64 = 10_000,
                connectTimeoutMillis: UInt64 = 10_000,
                closeFlushTimeoutMillis: UInt64 = 2_000,
                protocolLimits: ProtocolLimits = .default,
                maxConnections: Int = 1_024) {
        precondition(maxBufferedSendBytes > 0, "maxBufferedSendBytes must be positive")
        self.maxBufferedSendBytes = maxBufferedSendBytes
        self.sendLowWaterBytes = min(sendLowWaterBytes ?? maxBufferedSendBytes / 4, maxBufferedSendBytes)
        self.handshakeTimeoutMillis = handshakeTimeoutMillis
        self.connectTimeoutMillis = connectTimeoutMillis
        self.closeFlushTimeoutMillis = closeFlushTimeoutMillis
        self.protocolLimits = protocolLimits
        self.maxConnections = maxConnections
    }

    /// 8 MiB send buffer, 10 s handshake and connect, 2 s close flush, protocol default
    /// limits, 1024 connections.
    public static let `default` = ConnectionLimits()
}
