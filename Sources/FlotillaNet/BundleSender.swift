import WireProtocol

/// Streams stored bundles to one connection as `BundleChunk`s, pausing while its send queue is full.
///
/// Loop-confined. Owns the connection's `onWritable` hook: chunks go out while `send`
/// accepts them, and resume when the queue drains, so a multi-gigabyte bundle never sits in
/// memory and a slow peer never grows an unbounded queue.
public final class BundleSender {
    private struct Transfer {
        let sha256: String
        let fd: Int32
        var size: UInt64
        var offset: UInt64
    }

    private let connection: FramedConnection
    private var queue: [Transfer] = []
    private let chunkBytes: Int

    /// - Parameters:
    ///   - connection: where chunks go; its `onWritable` is taken over.
    ///   - chunkBytes: bytes per chunk, at most `BundleChunk.maxDataBytes`.
    public init(connection: FramedConnection, chunkBytes: Int = BundleChunk.maxDataBytes) {
        precondition(chunkBytes > 0 && chunkBytes <= BundleChunk.maxDataBytes, "chunk size out of range")
        self.connection = connection
        self.chunkBytes = chunkBytes
        connection.onWritable = { [weak self] in self?.pump() }
    }

    deinit {
        for transfer in queue { Syscalls.close(transfer.fd) }
    }

    /// Queues the file at `path` to be sent as the bundle `sha256`.
    ///
    /// - Throws: `BundleSendError` when the file cannot be opened or measured.
    public func enqueue(sha256: String, path: String) throws(BundleSendError) {
        let fd: Int32
        do {
            fd = try Syscalls.openForReading(path)
        } catch {
            throw BundleSendError(path: path, underlying: error)
        }
        do {
            queue.append(Transfer(sha256: sha256, fd: fd, size: try Syscalls.fileSize(fd), offset: 0))
        } catch {
            Syscalls.close(fd)
            throw BundleSendError(path: path, underlying: error)
        }
        pump()
    }

    /// Whether any bundle is still being sent.
    public var isIdle: Bool { queue.isEmpty }

    private func pump() {
        var buffer = [UInt8](repeating: 0, count: chunkBytes)
        while var transfer = queue.first, connection.isActive {
            let want = Int(min(UInt64(chunkBytes), transfer.size - transfer.offset))
            var got = 0
            if want > 0 {
                // A file that shrank or failed under us is sent short; the receiver's checksum rejects it.
                got = (try? buffer.withUnsafeMutableBytes { bytes throws(SystemError) in
                    try Syscalls.read(transfer.fd, into: UnsafeMutableRawBufferPointer(rebasing: bytes[0..<want]),
                                      at: transfer.offset)
                }) ?? 0
                if got == 0 { transfer.size = transfer.offset }
            }
            let isLast = transfer.offset + UInt64(got) >= transfer.size
            let chunk = BundleChunk(sha256: transfer.sha256, offset: transfer.offset,
                                    data: Array(buffer[0..<got]), isLast: isLast)
            guard connection.send(.bundleChunk(chunk)) else { return } // resumes from onWritable
            transfer.offset += UInt64(got)
            if isLast {
                Syscalls.close(transfer.fd)
                queue.removeFirst()
            } else {
                queue[0] = transfer
            }
        }
    }
}

/// A bundle file could not be read for sending.
public struct BundleSendError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let underlying: SystemError
    public var description: String { "cannot read bundle \(path): \(underlying)" }
}
