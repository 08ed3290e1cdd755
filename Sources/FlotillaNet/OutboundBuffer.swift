/// Ciphertext waiting for the socket, as a queue of chunks.
///
/// Small appends (one TLS record per send) are coalesced into the last chunk, so a burst of
/// small messages becomes a few large `send` calls instead of one call per record.
struct OutboundBuffer {
    private var chunks: [[UInt8]] = []
    /// Bytes of `chunks[0]` already written.
    private var headOffset = 0
    private(set) var byteCount = 0

    /// Chunks grow by coalescing up to this size.
    private static let coalesceLimit = 256 * 1024

    var isEmpty: Bool { byteCount == 0 }

    mutating func append(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        byteCount += bytes.count
        if let last = chunks.indices.last, chunks[last].count + bytes.count <= Self.coalesceLimit {
            chunks[last].append(contentsOf: bytes)
        } else {
            chunks.append(bytes)
        }
    }

    /// Writes as much as the socket takes.
    /// - Returns: True when everything was written, false when the socket would block.
    mutating func write(to fd: Int32) throws(SystemError) -> Bool {
        while !chunks.isEmpty {
            let offset = headOffset
            // Array.withUnsafeBytes only rethrows untyped errors, so carry the typed one out.
            let result = chunks[0].withUnsafeBytes { raw in
                Result { () throws(SystemError) in
                    try Syscalls.send(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
                }
            }
            guard case .processed(let written) = try result.get() else { return false }
            byteCount -= written
            headOffset += written
            if headOffset == chunks[0].count {
                chunks.removeFirst()
                headOffset = 0
            }
        }
        return true
    }

    mutating func removeAll() {
        chunks = []
        headOffset = 0
        byteCount = 0
    }
}
