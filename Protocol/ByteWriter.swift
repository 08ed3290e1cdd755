/// Appends values in the protocol's primitive encodings (PROTOCOL.md, "Primitive encodings").
///
/// Integers are big-endian; strings and byte arrays carry a u32 length; lists a u32 count;
/// optionals and bools a one-byte tag. The writer never checks `ProtocolLimits`: keeping a
/// message within them is the sender's job (chunked types expose `maxDataBytes`).
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer.
    /// - Parameter capacity: Bytes to reserve up front.
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes one byte.
    public mutating func writeU8(_ value: UInt8) { bytes.append(value) }

    /// Writes a big-endian u16.
    public mutating func writeU16(_ value: UInt16) { writeInteger(value) }

    /// Writes a big-endian u32.
    public mutating func writeU32(_ value: UInt32) { writeInteger(value) }

    /// Writes a big-endian u64.
    public mutating func writeU64(_ value: UInt64) { writeInteger(value) }

    /// Writes a big-endian two's-complement i32.
    public mutating func writeI32(_ value: Int32) { writeInteger(UInt32(bitPattern: value)) }

    /// Writes a bool as one byte, 0 or 1.
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Writes a u32 byte length, then the string's UTF-8 bytes.
    public mutating func writeString(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            writeLength(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    /// Writes a u32 byte length, then the bytes.
    public mutating func writeBytes(_ value: [UInt8]) {
        writeLength(value.count)
        bytes.append(contentsOf: value)
    }

    /// Writes a u32 element count, then each element with `element`.
    public mutating func writeArray<T>(_ values: [T], _ element: (inout ByteWriter, T) -> Void) {
        writeLength(values.count)
        for value in values { element(&self, value) }
    }

    /// Writes tag 0 for nil, or tag 1 followed by the value written with `wrapped`.
    public mutating func writeOptional<T>(_ value: T?, _ wrapped: (inout ByteWriter, T) -> Void) {
        if let value {
            bytes.append(1)
            wrapped(&self, value)
        } else {
            bytes.append(0)
        }
    }

    /// Writes an enum's raw value in its width.
    public mutating func writeEnum<E: RawRepresentable>(_ value: E) where E.RawValue: FixedWidthInteger {
        writeInteger(value.rawValue)
    }

    /// Overwrites four already-written bytes at `offset` with a big-endian u32.
    ///
    /// For length prefixes whose value is known only after the body is written.
    public mutating func setU32(_ value: UInt32, at offset: Int) {
        precondition(offset >= 0 && offset + 4 <= bytes.count, "setU32 outside the written bytes")
        for index in 0..<4 {
            bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (24 - 8 * index))
        }
    }

    /// Writes any fixed-width integer big-endian.
    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T) {
        var big = value.bigEndian
        withUnsafeBytes(of: &big) { bytes.append(contentsOf: $0) }
    }

    private mutating func writeLength(_ count: Int) {
        // Larger values cannot be described on the wire; producing one is a caller bug.
        precondition(count <= Int(UInt32.max), "length \(count) does not fit the u32 length prefix")
        writeU32(UInt32(count))
    }
}
