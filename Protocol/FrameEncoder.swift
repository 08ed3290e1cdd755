/// Turns messages into frames: a 4-byte big-endian length N, the type byte, the body.
///
/// N counts the type byte and the body, so it is at least 1. The encoder does not apply
/// `ProtocolLimits`; senders keep messages within them (PROTOCOL.md, "Limits").
public enum FrameEncoder {
    /// Bytes before a frame's body: the 4-byte length and the type byte.
    public static let headerBytes = 5

    /// Encodes one message as a complete frame.
    public static func encode(_ message: Message) -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        encode(message, into: &writer)
        return writer.bytes
    }

    /// Appends one complete frame to `writer`, so several frames can share one buffer.
    public static func encode(_ message: Message, into writer: inout ByteWriter) {
        let start = writer.bytes.count
        writer.writeU32(0)
        writer.writeEnum(message.messageType)
        MessageCodec.encodeBody(message, into: &writer)
        let length = writer.bytes.count - start - 4
        precondition(length <= Int(UInt32.max), "message of \(length) bytes cannot be framed")
        writer.setU32(UInt32(length), at: start)
    }
}
