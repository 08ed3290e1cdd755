internal import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streaming SHA-256 (OpenSSL EVP, `EVP_sha256`), for artifacts and bundles hashed while they stream.
///
/// A final class rather than a struct: a hasher usually lives in a stored property across
/// many chunks (an upload in progress), and reference semantics make copying it impossible
/// to get wrong. `update` and `finalize` work on `let` and `var` bindings alike.
/// ``finalize()`` returns the digest and resets the hasher to the empty state, so it can be
/// reused. Not thread-safe: confine an instance to one thread at a time.
public final class SHA256Hasher {
    private let context: OpaquePointer

    /// Creates a hasher for the empty message.
    public init() {
        // EVP_MD_CTX_new / DigestInit only fail when the process is out of memory or the
        // default provider is missing; neither is recoverable by a caller.
        guard let context = EVP_MD_CTX_new() else {
            fatalError("EVP_MD_CTX_new failed: \(OpenSSLErrorStack.drain())")
        }
        self.context = context
        reset()
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    private func reset() {
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("EVP_DigestInit_ex(SHA-256) failed: \(OpenSSLErrorStack.drain())")
        }
    }

    /// Feeds more of the message.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else {
            fatalError("EVP_DigestUpdate failed: \(OpenSSLErrorStack.drain())")
        }
    }

    /// Feeds more of the message.
    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Returns the 32-byte digest of everything fed so far, and resets the hasher.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
            fatalError("EVP_DigestFinal_ex failed: \(OpenSSLErrorStack.drain())")
        }
        reset()
        return Array(digest.prefix(32))
    }

    /// Lower-case hexadecimal of a digest (64 characters for SHA-256).
    public static func hex(_ digest: [UInt8]) -> String {
        let alphabet = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(digest.count * 2)
        for byte in digest {
            text.append(alphabet[Int(byte >> 4)])
            text.append(alphabet[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Lower-case hexadecimal SHA-256 of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> String {
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return hex(hasher.finalize())
    }

    /// Lower-case hexadecimal SHA-256 of a file's contents, read in 64 KiB pieces.
    ///
    /// - Throws: ``FileHashError`` naming the path and errno when the file cannot be opened or read.
    public static func hashFile(path: String) throws(FileHashError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(descriptor) }
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .readFailed(path: path, errno: errno)
            }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return hex(hasher.finalize())
    }
}

/// A file could not be hashed by ``SHA256Hasher/hashFile(path:)``.
public enum FileHashError: Error, CustomStringConvertible, Equatable, Sendable {
    /// open(2) failed.
    case cannotOpen(path: String, errno: Int32)
    /// read(2) failed part way.
    case readFailed(path: String, errno: Int32)

    public var description: String {
        switch self {
        case let .cannotOpen(path, code):
            "cannot open \(path) for hashing: \(String(cString: strerror(code))) (errno \(code))"
        case let .readFailed(path, code):
            "reading \(path) for hashing failed: \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}

/// Returns `count` bytes from OpenSSL's CSPRNG (RAND_bytes).
///
/// Traps if the generator cannot be seeded: continuing without randomness would mint
/// predictable serials, keys and tokens, which is worse than stopping.
public func secureRandomBytes(_ count: Int) -> [UInt8] {
    precondition(count >= 0 && count <= Int(Int32.max), "secureRandomBytes count out of range")
    guard count > 0 else { return [] }
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        guard RAND_bytes(buffer.baseAddress, Int32(count)) == 1 else {
            fatalError("RAND_bytes failed: \(OpenSSLErrorStack.drain())")
        }
        initialized = count
    }
}
