/// Splits a byte stream into frames and decodes their messages, without doing any I/O.
///
/// Feed it whatever the transport read with `append`, then call `nextMessage()` until it
/// returns nil. It never consumes a partial frame; it rejects a frame whose length is zero or
/// over `limits.maxFrameBytes` as soon as the 4 length bytes are buffered, and an unknown type
/// as soon as the type byte is, so a peer cannot make it buffer more than one frame's worth
/// beyond what the caller appended. After the first error the decoder stays failed: every
/// later `nextMessage()` throws the same error and `append` discards its input, because a
/// stream that lost framing cannot be resynchronised.
///
/// Consumed bytes are dropped by advancing a read index; the buffer is compacted only when
/// the consumed prefix is at least as long as what remains, so many small frames cost O(n).
public struct FrameDecoder: Sendable {
    /// The limits applied to frame lengths and message fields.
    public let limits: ProtocolLimits
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: ProtocolError?

    /// Consumed-prefix size below which compaction is not worth a move.
    private static let compactionThreshold = 4_096
    /// Capacity above which an emptied buffer is released rather than kept for reuse, so an
    /// idle connection does not pin the memory of its largest frame.
    private static let retainedCapacity = 65_536

    /// Creates a decoder with empty buffer.
    public init(limits: ProtocolLimits = .default) {
        self.limits = limits
    }

    /// Bytes appended but not yet returned as messages.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// The error that stopped the decoder, or nil while it is healthy.
    public var error: ProtocolError? { failure }

    /// Appends bytes read from the peer; ignored once the decoder has failed.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        appendChecked { $0.append(contentsOf: bytes) }
    }

    /// Appends bytes read from the peer; ignored once the decoder has failed.
    public mutating func append(contentsOf bytes: some Sequence<UInt8>) {
        append(bytes)
    }

    // Concrete overloads: the generic one is not specialised across the module boundary,
    // and a transport's read buffers are one of these.

    /// Appends bytes read from the peer; ignored once the decoder has failed.
    public mutating func append(_ bytes: [UInt8]) {
        appendChecked { $0.append(contentsOf: bytes) }
    }

    /// Appends bytes read from the peer; ignored once the decoder has failed.
    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        appendChecked { $0.append(contentsOf: bytes) }
    }

    /// Appends bytes read from the peer; ignored once the decoder has failed.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        appendChecked { $0.append(contentsOf: bytes) }
    }

    private mutating func appendChecked(_ appendBytes: (inout [UInt8]) -> Void) {
        guard failure == nil else { return }
        compactIfWorthwhile()
        appendBytes(&buffer)
        // Fail on a bad header now, so the caller's next read is not buffered behind it.
        if let headerError = headerError() { fail(headerError) }
    }

    /// Decodes the next complete frame.
    ///
    /// - Returns: The message, or nil when a whole frame is not buffered yet.
    /// - Throws: The `ProtocolError` that failed the stream; the same error on every later call.
    public mutating func nextMessage() throws(ProtocolError) -> Message? {
        if let failure { throw failure }
        if let headerError = headerError() { fail(headerError); throw headerError }
        let available = buffer.count - readIndex
        guard available >= 4 else { return nil }
        let frameEnd = readIndex + 4 + Int(frameLength())
        guard buffer.count >= frameEnd else { return nil }

        let type = buffer[readIndex + 4]
        let message: Message
        do {
            message = try MessageCodec.decode(type: type, body: buffer[(readIndex + 5)..<frameEnd], limits: limits)
        } catch let decodeError {
            fail(decodeError)
            throw decodeError
        }
        readIndex = frameEnd
        if readIndex == buffer.count { resetBuffer() }
        return message
    }

    /// The error in the pending frame's header (length, then type byte), if enough of it is here.
    private func headerError() -> ProtocolError? {
        guard buffer.count - readIndex >= 4 else { return nil }
        let length = frameLength()
        if length == 0 { return .emptyFrame }
        if length > limits.maxFrameBytes { return .frameTooLarge(length: length, limit: limits.maxFrameBytes) }
        guard buffer.count - readIndex >= 5 else { return nil }
        let type = buffer[readIndex + 4]
        return MessageType(rawValue: type) == nil ? .unknownMessageType(type) : nil
    }

    private func frameLength() -> UInt32 {
        var length: UInt32 = 0
        for index in readIndex..<(readIndex + 4) { length = length << 8 | UInt32(buffer[index]) }
        return length
    }

    private mutating func fail(_ error: ProtocolError) {
        failure = error
        buffer = []
        readIndex = 0
    }

    private mutating func resetBuffer() {
        buffer.removeAll(keepingCapacity: buffer.capacity <= Self.retainedCapacity)
        readIndex = 0
    }

    private mutating func compactIfWorthwhile() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            resetBuffer()
        } else if readIndex >= Self.compactionThreshold && readIndex >= buffer.count - readIndex {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
