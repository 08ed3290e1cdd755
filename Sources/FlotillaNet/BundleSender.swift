#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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
        for transfer in queue { close(transfer.fd) }
    }

    /// Queues the file at `path` to be sent as the bundle `sha256`.
    ///
    /// - Throws: `BundleSendError` when the file cannot be opened or measured.
    public func enqueue(sha256: String, path: String) throws(BundleSendError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BundleSendError(path: path, call: "open", errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw BundleSendError(path: path, call: "fstat", errno: code)
        }
        queue.append(Transfer(sha256: sha256, fd: fd, size: UInt64(info.st_size), offset: 0))
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
                got = buffer.withUnsafeMutableBytes { pread(transfer.fd, $0.baseAddress, want, off_t(transfer.offset)) }
                if got < 0 && errno == EINTR { continue }
                // A file that shrank or failed under us is sent short; the receiver's checksum rejects it.
                if got <= 0 { got = 0; transfer.size = transfer.offset }
            }
            let isLast = transfer.offset + UInt64(got) >= transfer.size
            let chunk = BundleChunk(sha256: transfer.sha256, offset: transfer.offset,
                                    data: Array(buffer[0..<got]), isLast: isLast)
            guard connection.send(.bundleChunk(chunk)) else { return } // resumes from onWritable
            transfer.offset += UInt64(got)
            if isLast {
                close(transfer.fd)
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
    public let call: String
    public let errno: Int32
    public var description: String { "cannot read bundle \(path): \(call) failed: \(String(cString: strerror(errno)))" }
}
