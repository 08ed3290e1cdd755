#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a bundle file front to back through a bounded buffer, tracking the byte offset so
/// every error can say where it happened.
final class BundleReader {
    let path: String
    /// Absolute offset in the file of the next unread byte.
    private(set) var offset: UInt64 = 0
    private let descriptor: Int32
    private var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    private var start = 0
    private var end = 0
    private var reachedEnd = false

    init(path: String) throws(BundleError) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .fileIO(path: path, call: "open", errno: errno) }
    }

    deinit { close(descriptor) }

    /// Reads exactly `count` bytes; nil when the file ends first.
    func read(_ count: Int) throws(BundleError) -> [UInt8]? {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            guard try fill() else { return nil }
            let take = min(count - result.count, end - start)
            result.append(contentsOf: buffer[start..<(start + take)])
            consume(take)
        }
        return result
    }

    /// Hands the next `count` bytes to `body` in buffer-sized pieces; false when the file
    /// ends first (after handing over what there was).
    func stream(_ count: UInt64, into body: (UnsafeRawBufferPointer) throws(BundleError) -> Void) throws(BundleError) -> Bool {
        var remaining = count
        while remaining > 0 {
            guard try fill() else { return false }
            let take = Int(min(remaining, UInt64(end - start)))
            let from = start
            try buffer.withBundleBytes { (raw: UnsafeRawBufferPointer) throws(BundleError) in
                try body(UnsafeRawBufferPointer(rebasing: raw[from..<(from + take)]))
            }
            consume(take)
            remaining -= UInt64(take)
        }
        return true
    }

    /// True when no byte is left.
    func isAtEnd() throws(BundleError) -> Bool {
        try !fill()
    }

    private func consume(_ count: Int) {
        start += count
        offset += UInt64(count)
    }

    /// Makes at least one byte available; false at end of file.
    private func fill() throws(BundleError) -> Bool {
        if start < end { return true }
        if reachedEnd { return false }
        start = 0
        end = 0
        let result = buffer.withUnsafeMutableBytes { BundleSyscalls.readSome(descriptor, into: $0) }
        switch result {
        case .success(let count):
            end = count
            reachedEnd = count == 0
            return count > 0
        case .failure(let error):
            throw .fileIO(path: path, call: "read", errno: error.code)
        }
    }
}
