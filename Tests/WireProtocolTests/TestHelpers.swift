import TestSupport
import WireProtocol

/// The error decoding `body` as `type` throws, or nil when it decodes.
func decodeError(_ type: MessageType, _ body: [UInt8], limits: ProtocolLimits = .default) -> ProtocolError? {
    do {
        _ = try MessageCodec.decode(type: type.rawValue, body: body, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// Builds a body with a `ByteWriter`.
func body(_ build: (inout ByteWriter) -> Void) -> [UInt8] {
    var writer = ByteWriter()
    build(&writer)
    return writer.bytes
}

extension ProtocolError {
    /// The field of a `.malformed` error, nil for other cases.
    var malformedField: String? {
        if case .malformed(_, let field, _) = self { return field }
        return nil
    }

    /// The message type of a `.malformed` error, nil for other cases.
    var malformedMessage: MessageType? {
        if case .malformed(let message, _, _) = self { return message }
        return nil
    }

    /// The field of a `.limitExceeded` error, nil for other cases.
    var limitField: String? {
        if case .limitExceeded(_, let field, _, _) = self { return field }
        return nil
    }
}

/// Every sample message, one frame each.
let sampleFrames: [[UInt8]] = SampleMessages.all.map(FrameEncoder.encode)
