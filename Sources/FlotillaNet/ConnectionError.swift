import FlotillaTLS
import WireProtocol

/// Why a `FramedConnection` closed, as reported to `connectionDidClose(_:error:)`.
///
/// A nil error there means a clean close: this side called `close()`, the peer sent
/// close_notify, or the event loop shut down.
public enum ConnectionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer broke the wire protocol (oversized frame, unknown type, malformed body). An
    /// Error frame with `error.wireCode` was sent before closing.
    case protocolViolation(ProtocolError)
    /// TLS failed: certificate refused, handshake failure, corrupt record, fatal alert.
    case tls(TLSError)
    /// The TLS handshake did not finish within `ConnectionLimits.handshakeTimeoutMillis`.
    case handshakeTimeout
    /// The peer closed the TCP connection without a TLS close_notify.
    case peerClosed
    /// A socket call failed on an established connection (reset, broken pipe, …).
    case system(SystemError)
    /// The outgoing connection could not be established (refused, unreachable, timed out:
    /// ETIMEDOUT after `ConnectionLimits.connectTimeoutMillis`); the last address's error.
    case connectFailed(SystemError)

    /// True when the peer (or the network) caused the failure rather than this process.
    public var isPeerFault: Bool {
        switch self {
        case .protocolViolation, .handshakeTimeout, .peerClosed, .connectFailed: true
        case .tls(let error): error.isPeerFault
        case .system(let error): error.isNetworkFailure
        }
    }

    public var description: String {
        switch self {
        case .protocolViolation(let error): "protocol violation by peer: \(error)"
        case .tls(let error): "TLS: \(error)"
        case .handshakeTimeout: "TLS handshake did not complete in time"
        case .peerClosed: "peer closed the connection without TLS close_notify"
        case .system(let error): "socket error: \(error)"
        case .connectFailed(let error): "connect failed: \(error)"
        }
    }
}
