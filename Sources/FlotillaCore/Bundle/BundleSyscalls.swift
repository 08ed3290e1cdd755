#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few system calls bundle code makes, retried on EINTR, with errno returned as a value
/// so callers can wrap it in a `BundleError` that names the file.
enum BundleSyscalls {
    /// Writes all of `bytes`; returns errno on failure.
    static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// Reads up to `buffer.count` bytes; returns the count (0 at end of file) or errno.
    static func readSome(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Errno> {
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return .success(count) }
            if errno != EINTR { return .failure(Errno(errno)) }
        }
    }

    /// `lstat(2)`; returns errno on failure.
    static func linkStatus(_ path: String) -> Result<stat, Errno> {
        var info = stat()
        if lstat(path, &info) != 0 { return .failure(Errno(errno)) }
        return .success(info)
    }

    /// `readlink(2)` as bytes.
    static func linkTarget(_ path: String, maxBytes: Int) -> Result<[UInt8], Errno> {
        var buffer = [UInt8](repeating: 0, count: maxBytes + 1)
        let count = buffer.withUnsafeMutableBytes { readlink(path, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        if count < 0 { return .failure(Errno(errno)) }
        return .success(Array(buffer.prefix(count)))
    }

    /// An errno value as an `Error`, so it can travel in a `Result`.
    struct Errno: Error {
        var code: Int32
        init(_ code: Int32) { self.code = code }
    }

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    static func isRegularFile(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }
    static func isSymlink(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFLNK }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for bodies with a typed `BundleError` (the standard one rethrows `any Error`).
    func withBundleBytes<Result>(_ body: (UnsafeRawBufferPointer) throws(BundleError) -> Result) throws(BundleError) -> Result {
        let outcome: Swift.Result<Result, BundleError> = withUnsafeBytes { raw in
            do throws(BundleError) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try outcome.get()
    }
}
