/// Reads the protocol's primitive encodings from one message body, bounds-checking every read.
///
/// The reader never traps on bad input and never allocates more than the bytes that remain
/// can justify: a declared length or element count is compared with the remaining bytes (and
/// with its limit) *before* anything is reserved. Failures are `ProtocolError`s naming the
/// message and field.
public struct ByteReader: Sendable {
    /// The message whose body is being read; errors name it.
    public let message: MessageType
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    /// Creates a reader over a message body.
    /// - Parameters:
    ///   - bytes: The body, without the frame's length and type byte.
    ///   - message: The body's message type, for error context.
    public init(_ bytes: ArraySlice<UInt8>, message: MessageType) {
        self.bytes = bytes
        self.message = message
        self.position = bytes.startIndex
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.endIndex - position }

    /// Reads one byte.
    public mutating func readU8(_ field: String) throws(ProtocolError) -> UInt8 {
        try readInteger(field)
    }

    /// Reads a big-endian u16.
    public mutating func readU16(_ field: String) throws(ProtocolError) -> UInt16 {
        try readInteger(field)
    }

    /// Reads a big-endian u32.
    public mutating func readU32(_ field: String) throws(ProtocolError) -> UInt32 {
        try readInteger(field)
    }

    /// Reads a big-endian u64.
    public mutating func readU64(_ field: String) throws(ProtocolError) -> UInt64 {
        try readInteger(field)
    }

    /// Reads a big-endian two's-complement i32.
    public mutating func readI32(_ field: String) throws(ProtocolError) -> Int32 {
        Int32(bitPattern: try readInteger(field) as UInt32)
    }

    /// Reads a bool; only the bytes 0 and 1 are valid.
    public mutating func readBool(_ field: String) throws(ProtocolError) -> Bool {
        switch try readU8(field) {
        case 0: return false
        case 1: return true
        case let other: throw malformed(field, "bool byte \(other) is not 0 or 1")
        }
    }

    /// Reads a u32-length-prefixed UTF-8 string.
    /// - Parameter maxBytes: The field's limit in UTF-8 bytes.
    /// - Throws: `.malformed` when truncated or not valid UTF-8, `.limitExceeded` over `maxBytes`.
    public mutating func readString(_ field: String, maxBytes: Int) throws(ProtocolError) -> String {
        let range = try readLengthPrefixed(field, maxBytes: maxBytes)
        let utf8 = bytes[range]
        guard let string = validatedUTF8(utf8) else { throw malformed(field, "invalid UTF-8") }
        return string
    }

    /// Reads a u32-length-prefixed byte array.
    /// - Parameter maxBytes: The field's limit.
    public mutating func readBytes(_ field: String, maxBytes: Int) throws(ProtocolError) -> [UInt8] {
        Array(bytes[try readLengthPrefixed(field, maxBytes: maxBytes)])
    }

    /// Reads a u32 element count, then that many elements with `element`.
    ///
    /// - Parameters:
    ///   - maxCount: The field's limit on the count.
    ///   - minElementBytes: The fewest bytes one element can encode to; a count that the
    ///     remaining bytes cannot possibly hold is rejected before any storage is reserved.
    ///   - element: Reads one element.
    public mutating func readArray<T>(_ field: String, maxCount: Int, minElementBytes: Int,
                                      _ element: (inout ByteReader) throws(ProtocolError) -> T) throws(ProtocolError) -> [T] {
        precondition(minElementBytes >= 1, "every element occupies at least one byte")
        let count = Int(try readU32(field))
        guard count <= maxCount else {
            throw .limitExceeded(message: message, field: "\(field) count", size: count, limit: maxCount)
        }
        guard count * minElementBytes <= remaining else {
            throw malformed(field, "declares \(count) elements needing at least \(count * minElementBytes) bytes, "
                + "but only \(remaining) remain")
        }
        var result: [T] = []
        result.reserveCapacity(count)
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }

    /// Reads an optional: tag 0 is nil, tag 1 is followed by the value.
    public mutating func readOptional<T>(_ field: String,
                                         _ wrapped: (inout ByteReader) throws(ProtocolError) -> T) throws(ProtocolError) -> T? {
        switch try readU8(field) {
        case 0: return nil
        case 1: return try wrapped(&self)
        case let other: throw malformed(field, "optional tag \(other) is not 0 or 1")
        }
    }

    /// Reads an enum by raw value; a value with no case is malformed.
    public mutating func readEnum<E: RawRepresentable>(_ type: E.Type, _ field: String) throws(ProtocolError) -> E
    where E.RawValue: FixedWidthInteger {
        let raw: E.RawValue = try readInteger(field)
        guard let value = E(rawValue: raw) else { throw malformed(field, "unknown \(E.self) value \(raw)") }
        return value
    }

    /// Asserts the body is fully consumed; trailing bytes make a message malformed.
    public func expectEnd() throws(ProtocolError) {
        guard remaining == 0 else { throw malformed("(end)", "\(remaining) trailing bytes after the body") }
    }

    /// A `.malformed` error for this reader's message.
    public func malformed(_ field: String, _ reason: String) -> ProtocolError {
        .malformed(message: message, field: field, reason: reason)
    }

    private mutating func readInteger<T: FixedWidthInteger>(_ field: String) throws(ProtocolError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw truncated(field, needed: size) }
        var value: T = 0
        for index in position..<(position + size) {
            value = (value << 8) | T(truncatingIfNeeded: bytes[index])
        }
        position += size
        return value
    }

    /// Reads a u32 length and returns the range of the bytes it covers, consuming them.
    private mutating func readLengthPrefixed(_ field: String, maxBytes: Int) throws(ProtocolError) -> Range<Int> {
        let length = Int(try readU32(field))
        guard length <= remaining else {
            throw malformed(field, "declares \(length) bytes but only \(remaining) remain")
        }
        guard length <= maxBytes else {
            throw .limitExceeded(message: message, field: field, size: length, limit: maxBytes)
        }
        let range = position..<(position + length)
        position += length
        return range
    }

    private func truncated(_ field: String, needed: Int) -> ProtocolError {
        malformed(field, "truncated: needs \(needed) bytes, only \(remaining) remain")
    }
}

/// The string the bytes spell, or nil when they are not valid UTF-8.
private func validatedUTF8(_ utf8: ArraySlice<UInt8>) -> String? {
    if #available(macOS 15, iOS 18, *) {
        return String(validating: utf8, as: UTF8.self)
    }
    // Repair replaces each invalid sequence with U+FFFD, so the result re-encodes to the
    // input exactly when the input was valid.
    let repaired = String(decoding: utf8, as: UTF8.self)
    return repaired.utf8.elementsEqual(utf8) ? repaired : nil
}
