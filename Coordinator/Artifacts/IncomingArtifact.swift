#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaTLS

/// One artifact upload being received: a temporary file, hashed as chunks are written.
///
/// Created by `ArtifactStore.beginUpload`; finished by `ArtifactStore.commit` (which moves it
/// into place) or `abort()`. An instance dropped unfinished removes its file. Not thread-safe.
public final class IncomingArtifact {
    /// The temporary file's path.
    public let temporaryPath: String
    /// Size the agent announced.
    public let expectedSize: UInt64
    /// Bytes written so far; the offset the next chunk must carry.
    public private(set) var bytesWritten: UInt64 = 0
    private var descriptor: Int32
    private let hasher = SHA256Hasher()

    init(directory: String, expectedSize: UInt64) throws(ArtifactStoreError) {
        self.expectedSize = expectedSize
        temporaryPath = directory + "/upload-" + SHA256Hasher.hex(secureRandomBytes(8))
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(path: temporaryPath, call: "open", errno: errno) }
    }

    deinit { abort() }

    /// Appends a chunk that must start where the previous one ended and stay within the announced size.
    ///
    /// - Throws: `.unexpectedChunk` for a wrong offset or too many bytes, `.io` on a write error.
    ///   The file is left open; the caller decides whether to abort.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(ArtifactStoreError) {
        guard descriptor >= 0 else { throw .unexpectedChunk("chunk after the upload ended") }
        guard offset == bytesWritten else {
            throw .unexpectedChunk("chunk at offset \(offset), expected offset \(bytesWritten)")
        }
        guard UInt64(bytes.count) <= expectedSize - bytesWritten else {
            throw .unexpectedChunk("more than the announced \(expectedSize) bytes")
        }
        hasher.update(bytes)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { writeSome(descriptor, $0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: temporaryPath, call: "write", errno: errno)
            }
            written += count
        }
        bytesWritten += UInt64(bytes.count)
    }

    /// Syncs and closes the file; returns what was received. The file stays until `move` or `abort`.
    func finish() throws(ArtifactStoreError) -> (size: UInt64, sha256: String) {
        guard descriptor >= 0 else { throw .unexpectedChunk("the upload already ended") }
        let digest = SHA256Hasher.hex(hasher.finalize())
        if fsync(descriptor) != 0 {
            let code = errno
            abort()
            throw .io(path: temporaryPath, call: "fsync", errno: code)
        }
        close(descriptor)
        descriptor = -2 // closed, file kept
        return (bytesWritten, digest)
    }

    /// Renames the finished file to `path` and syncs its directory so the rename survives a crash.
    func move(to path: String) throws(ArtifactStoreError) {
        if rename(temporaryPath, path) != 0 {
            let code = errno
            abort()
            throw .io(path: path, call: "rename", errno: code)
        }
        descriptor = -1
        if let slash = path.lastIndex(of: "/") {
            let directory = open(String(path[..<slash]), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory >= 0 {
                fsync(directory)
                close(directory)
            }
        }
    }

    /// Closes and removes the temporary file; harmless when already moved or removed.
    public func abort() {
        guard descriptor != -1 else { return }
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
        unlink(temporaryPath)
    }
}

/// `write(2)` once; outside the class, where `write` is not the method's name.
private func writeSome(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
    write(descriptor, bytes.baseAddress, bytes.count)
}
