/// A violation of the wire protocol by the *remote* peer.
///
/// Every case describes something the other side did wrong: bytes that do not decode, a
/// frame over the limit, a message out of order, a Hello that does not match its certificate,
/// silence past the heartbeat timeout. None of them is a bug in this process; local failures
/// (socket errors, TLS failures, our own invariants) are other modules' errors or
/// `precondition`s. The usual reaction is the same for all of them: send `replyMessage` (when
/// there is one) as an Error frame, then close the connection; the process keeps serving
/// every other peer.
public enum ProtocolError: Error, Sendable, Equatable {
    /// A frame's declared length (type byte + body) exceeds the receiver's limit.
    case frameTooLarge(length: UInt32, limit: UInt32)
    /// A frame declared length zero: it has no room for the type byte.
    case emptyFrame
    /// The frame's type byte is not a `MessageType`.
    case unknownMessageType(UInt8)
    /// A message body does not follow the encoding in PROTOCOL.md.
    case malformed(message: MessageType, field: String, reason: String)
    /// A field is well-formed but larger (or more numerous) than `ProtocolLimits` allows.
    case limitExceeded(message: MessageType, field: String, size: Int, limit: Int)
    /// The Hello's magic number is not `Hello.magic`: the peer does not speak Flotilla.
    case badMagic(UInt32)
    /// The peer's offered version range does not overlap ours.
    case unsupportedVersion(offeredMin: UInt16, offeredMax: UInt16, supportedMin: UInt16, supportedMax: UInt16)
    /// The coordinator chose a version the client never offered.
    case versionNotOffered(chosen: UInt16, offeredMin: UInt16, offeredMax: UInt16)
    /// A message arrived that is not allowed in the connection's current state or direction.
    case unexpectedMessage(got: MessageType, state: String)
    /// The role claimed in Hello differs from the role in the peer's certificate.
    case roleMismatch(claimed: PeerRole, certificate: PeerRole)
    /// The name claimed in Hello differs from the name (CN) in the peer's certificate.
    case nameMismatch(claimed: String, certificate: String)
    /// A Hello field holds a value the coordinator does not admit (zero capacity, an empty
    /// label, agent fields in a client's Hello, a coordinator connecting as a peer).
    case invalidHello(field: String, reason: String)
    /// Nothing arrived from the peer for longer than the heartbeat timeout.
    case heartbeatTimeout(silentMillis: UInt64)
    /// The peer did not finish the handshake within the allowed time.
    case handshakeTimeout(waitedMillis: UInt64)
    /// The peer sent an Error message; it is closing the connection.
    case peerReportedError(code: ProtocolErrorMessage.ErrorCode, message: String)

    /// The error code to put in the Error frame sent to the peer.
    public var wireCode: ProtocolErrorMessage.ErrorCode {
        switch self {
        case .frameTooLarge: return .frameTooLarge
        case .emptyFrame, .malformed: return .malformedFrame
        case .unknownMessageType: return .unknownMessageType
        case .limitExceeded: return .limitExceeded
        case .badMagic, .unsupportedVersion, .versionNotOffered: return .unsupportedVersion
        case .unexpectedMessage: return .unexpectedMessage
        case .roleMismatch, .nameMismatch, .invalidHello: return .notAuthorized
        case .heartbeatTimeout, .handshakeTimeout: return .heartbeatTimeout
        case .peerReportedError(let code, _): return code
        }
    }

    /// The Error message to send before closing, or nil when the peer itself reported the
    /// error (an Error frame is never answered with another).
    public var replyMessage: ProtocolErrorMessage? {
        if case .peerReportedError = self { return nil }
        return ProtocolErrorMessage(code: wireCode, message: description)
    }
}

extension ProtocolError: CustomStringConvertible {
    /// A sentence for logs and for the Error frame's text.
    public var description: String {
        switch self {
        case .frameTooLarge(let length, let limit):
            return "frame of \(length) bytes exceeds the limit of \(limit) bytes"
        case .emptyFrame:
            return "frame length is 0; a frame holds at least its type byte"
        case .unknownMessageType(let type):
            return "unknown message type 0x\(hex(type))"
        case .malformed(let message, let field, let reason):
            return "malformed \(message) message: \(field): \(reason)"
        case .limitExceeded(let message, let field, let size, let limit):
            return "\(message) message: \(field) is \(size), over the limit of \(limit)"
        case .badMagic(let magic):
            return "bad magic 0x\(hex(magic)) in hello (expected 0x\(hex(Hello.magic)))"
        case .unsupportedVersion(let offeredMin, let offeredMax, let supportedMin, let supportedMax):
            return "no common protocol version: peer offers \(offeredMin)...\(offeredMax), "
                + "this side supports \(supportedMin)...\(supportedMax)"
        case .versionNotOffered(let chosen, let offeredMin, let offeredMax):
            return "coordinator chose protocol version \(chosen), outside the offered \(offeredMin)...\(offeredMax)"
        case .unexpectedMessage(let got, let state):
            return "unexpected \(got) message in state \(state)"
        case .roleMismatch(let claimed, let certificate):
            return "hello claims role \(claimed) but the certificate is for role \(certificate)"
        case .nameMismatch(let claimed, let certificate):
            return "hello claims name \"\(claimed)\" but the certificate is for \"\(certificate)\""
        case .invalidHello(let field, let reason):
            return "invalid hello: \(field): \(reason)"
        case .heartbeatTimeout(let silentMillis):
            return "peer silent for \(silentMillis) ms, past the heartbeat timeout"
        case .handshakeTimeout(let waitedMillis):
            return "handshake not completed after \(waitedMillis) ms"
        case .peerReportedError(let code, let message):
            return "peer reported error \(code) (\(code.rawValue)): \(message)"
        }
    }
}

private func hex<T: FixedWidthInteger>(_ value: T) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    let width = T.bitWidth / 4
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
