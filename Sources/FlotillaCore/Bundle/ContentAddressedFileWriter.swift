/// Receives a file in ordered chunks and stores it under its final path only when its
/// SHA-256 and size match what was announced.
///
/// Used for source bundles arriving at an agent (`BundleChunk`) and for bundles and
/// artifacts uploaded to the coordinator. Bytes go to a temporary file beside the
/// destination and are hashed as they are written; `finish()` checks the digest and size,
/// then renames. On any failure the temporary file is removed, so the destination path
/// only ever holds verified content. Not thread-safe: one owner feeds it chunks in order.
public final class ContentAddressedFileWriter {
    /// Where the verified file will appear.
    public let destinationPath: String
    /// Lowercase hex SHA-256 the content must have.
    public let expectedSHA256: String
    /// Exact size the content must have.
    public let expectedSize: UInt64
    private var output: HashingFileOutput?

    /// Starts a write; creates the temporary file.
    ///
    /// - Parameters:
    ///   - destinationPath: Final path of the file (its directory must exist).
    ///   - expectedSHA256: Announced digest, 64 lowercase hex digits.
    ///   - expectedSize: Announced size in bytes.
    /// - Throws: `BundleError.invalidDigest` or `.fileIO` when the temporary file cannot be created.
    public init(destinationPath: String, expectedSHA256: String, expectedSize: UInt64) throws(BundleError) {
        guard BundlePathRules.isSHA256Hex(expectedSHA256) else { throw .invalidDigest(expectedSHA256) }
        self.destinationPath = destinationPath
        self.expectedSHA256 = expectedSHA256
        self.expectedSize = expectedSize
        output = try HashingFileOutput(finalPath: destinationPath)
    }

    /// Bytes received so far; the offset the next chunk must carry.
    public var bytesWritten: UInt64 { output?.bytesWritten ?? 0 }

    /// True until `finish()` or `abort()` is called or a write fails.
    public var isOpen: Bool { output != nil }

    /// Appends a chunk that must start exactly where the previous one ended.
    ///
    /// - Throws: `.unexpectedOffset` for an out-of-order chunk, `.sizeMismatch` when the
    ///   content would grow past `expectedSize`, `.fileIO` on a write error,
    ///   `.writerClosed` after finish or abort. Every error except `.writerClosed` aborts
    ///   the write and removes the temporary file.
    public func write(_ bytes: [UInt8], at offset: UInt64) throws(BundleError) {
        guard let output else { throw .writerClosed(path: destinationPath) }
        guard offset == output.bytesWritten else {
            abort()
            throw .unexpectedOffset(path: destinationPath, expected: output.bytesWritten, received: offset)
        }
        guard UInt64(bytes.count) <= expectedSize - output.bytesWritten else {
            abort()
            throw .sizeMismatch(path: destinationPath, expected: expectedSize, actual: output.bytesWritten + UInt64(bytes.count))
        }
        do {
            try output.write(bytes)
        } catch {
            abort()
            throw error
        }
    }

    /// Verifies size and SHA-256, then moves the file into place (synced to disk).
    ///
    /// - Throws: `.sizeMismatch` or `.hashMismatch` (the temporary file is removed),
    ///   `.fileIO`, or `.writerClosed`.
    public func finish() throws(BundleError) {
        guard let output else { throw .writerClosed(path: destinationPath) }
        self.output = nil
        guard output.bytesWritten == expectedSize else {
            output.discard()
            throw .sizeMismatch(path: destinationPath, expected: expectedSize, actual: output.bytesWritten)
        }
        let actual = output.digest()
        guard actual == expectedSHA256 else {
            output.discard()
            throw .hashMismatch(path: destinationPath, expected: expectedSHA256, actual: actual)
        }
        try output.commit()
    }

    /// Abandons the write and removes the temporary file; harmless when already closed.
    public func abort() {
        output?.discard()
        output = nil
    }
}
