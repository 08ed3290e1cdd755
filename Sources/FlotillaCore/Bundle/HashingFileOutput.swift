import FlotillaTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A new file written through a buffer and hashed in the same pass, created under a
/// temporary name beside its final path and renamed into place only by `commit()`.
///
/// Readers of the final path therefore see either nothing or a complete, verified file.
/// An output that is neither committed nor discarded removes its temporary file on deinit.
final class HashingFileOutput {
    let finalPath: String
    let temporaryPath: String
    /// Bytes accepted so far, including any still in the buffer.
    private(set) var bytesWritten: UInt64 = 0
    private var descriptor: Int32
    private let hasher = SHA256Hasher()
    private var buffer: [UInt8] = []
    private static let bufferSize = 256 * 1024

    /// Creates the temporary file next to `finalPath`.
    init(finalPath: String) throws(BundleError) {
        self.finalPath = finalPath
        let slash = finalPath.lastIndex(of: "/")
        let directory = slash.map { String(finalPath[..<$0]) } ?? "."
        let base = slash.map { String(finalPath[finalPath.index(after: $0)...]) } ?? finalPath
        temporaryPath = (directory.isEmpty ? "" : directory) + "/." + base + ".partial-" + SHA256Hasher.hex(secureRandomBytes(6))
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .fileIO(path: temporaryPath, call: "open", errno: errno) }
        buffer.reserveCapacity(HashingFileOutput.bufferSize)
    }

    deinit { discard() }

    /// Appends bytes, hashing them.
    func write(_ bytes: UnsafeRawBufferPointer) throws(BundleError) {
        guard !bytes.isEmpty else { return }
        precondition(descriptor >= 0, "write after commit or discard")
        hasher.update(bytes)
        bytesWritten += UInt64(bytes.count)
        if buffer.count + bytes.count <= HashingFileOutput.bufferSize {
            buffer.append(contentsOf: bytes)
            return
        }
        try flush()
        if bytes.count >= HashingFileOutput.bufferSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Appends bytes, hashing them.
    func write(_ bytes: [UInt8]) throws(BundleError) {
        try bytes.withBundleBytes { (raw: UnsafeRawBufferPointer) throws(BundleError) in try write(raw) }
    }

    /// Lowercase hex SHA-256 of everything written. Call once, after the last write.
    func digest() -> String {
        SHA256Hasher.hex(hasher.finalize())
    }

    /// Flushes, syncs and renames the temporary file to `finalPath`, then syncs the directory
    /// so the rename survives a crash.
    func commit() throws(BundleError) {
        try flush()
        if fsync(descriptor) != 0 { throw .fileIO(path: temporaryPath, call: "fsync", errno: errno) }
        close(descriptor)
        descriptor = -1
        if rename(temporaryPath, finalPath) != 0 {
            let code = errno
            unlink(temporaryPath)
            throw .fileIO(path: finalPath, call: "rename", errno: code)
        }
        let slash = finalPath.lastIndex(of: "/")
        let directory = slash.map { String(finalPath[..<$0]) } ?? "."
        let directoryDescriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Closes and removes the temporary file; harmless after `commit()` or a previous discard.
    func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(temporaryPath)
    }

    private func flush() throws(BundleError) {
        guard !buffer.isEmpty else { return }
        try buffer.withBundleBytes { (raw: UnsafeRawBufferPointer) throws(BundleError) in try writeAll(raw) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(BundleError) {
        if let code = BundleSyscalls.writeAll(descriptor, bytes) {
            throw .fileIO(path: temporaryPath, call: "write", errno: code)
        }
    }
}
