#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WireProtocol

/// The coordinator's content-addressed artifact directory: `DIR/sha256/ab/abcdef…`.
///
/// Uploads are written to `DIR/incoming/` and hashed while they arrive; `commit` moves one to
/// its digest's path only after its size and SHA-256 matched what the agent announced, so a
/// path under `sha256/` only ever holds verified content, and a crash leaves at most a stray
/// incoming file (removed when the store is next opened). Identical content is stored once:
/// a commit whose digest is already present (with the right size) just drops the new copy.
public struct ArtifactStore: Sendable {
    /// The store's root directory.
    public let directory: String

    /// Opens (creating when missing) the store at `directory` and clears stale incoming files.
    /// - Throws: `ArtifactStoreError.io` when a directory cannot be created.
    public init(directory: String) throws(ArtifactStoreError) {
        self.directory = directory
        try ArtifactStore.makeDirectories(directory + "/sha256")
        try ArtifactStore.makeDirectories(directory + "/incoming")
        // Leftovers of uploads a previous process never finished: nobody will finish them now.
        if let stream = opendir(directory + "/incoming") {
            defer { closedir(stream) }
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name.hasPrefix("upload-") { unlink(directory + "/incoming/" + name) }
            }
        }
    }

    /// Opens a store that must already exist, without touching it (for readers such as the CLI).
    public static func existing(at directory: String) -> ArtifactStore? {
        var info = stat()
        guard stat(directory + "/sha256", &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        return ArtifactStore(unchecked: directory)
    }

    private init(unchecked directory: String) { self.directory = directory }

    /// Where content with this digest lives (whether or not it is present).
    /// - Throws: `.invalidDigest` unless `sha256` is 64 lowercase hex digits, so no name from
    ///   the network can point outside the store.
    public func path(for sha256: String) throws(ArtifactStoreError) -> String {
        guard ArtifactNaming.isSHA256Hex(sha256) else { throw .invalidDigest(sha256) }
        let prefix = sha256.prefix(2)
        return "\(directory)/sha256/\(prefix)/\(sha256)"
    }

    /// True when verified content with this digest and size is present.
    public func contains(sha256: String, size: UInt64) -> Bool {
        guard let path = try? path(for: sha256) else { return false }
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && UInt64(info.st_size) == size
    }

    /// Starts receiving an upload of `expectedSize` bytes into a new temporary file.
    /// - Throws: `.io` when the file cannot be created.
    public func beginUpload(expectedSize: UInt64) throws(ArtifactStoreError) -> IncomingArtifact {
        try IncomingArtifact(directory: directory + "/incoming", expectedSize: expectedSize)
    }

    /// What `commit` did.
    public enum CommitOutcome: Sendable, Equatable {
        /// The content is new and now stored.
        case stored
        /// Identical content was already stored; the upload was discarded.
        case deduplicated
    }

    /// Verifies a finished upload against the agent's digest and moves it into place.
    ///
    /// The incoming file is gone afterwards in every case.
    /// - Throws: `.sizeMismatch`, `.checksumMismatch` (the upload is discarded), `.invalidDigest`, `.io`.
    @discardableResult
    public func commit(_ upload: IncomingArtifact, claimedSHA256: String) throws(ArtifactStoreError) -> CommitOutcome {
        let final: String
        do {
            final = try path(for: claimedSHA256)
        } catch {
            upload.abort()
            throw error
        }
        let actual = try upload.finish()
        guard actual.size == upload.expectedSize else {
            upload.abort()
            throw .sizeMismatch(expected: upload.expectedSize, received: actual.size)
        }
        guard actual.sha256 == claimedSHA256 else {
            upload.abort()
            throw .checksumMismatch(claimed: claimedSHA256, received: actual.sha256)
        }
        if contains(sha256: claimedSHA256, size: actual.size) {
            upload.abort()
            return .deduplicated
        }
        do {
            try ArtifactStore.makeDirectories(directory + "/sha256/" + claimedSHA256.prefix(2))
        } catch {
            upload.abort()
            throw error
        }
        try upload.move(to: final)
        return .stored
    }

    /// Opens stored content for reading, checking that it is a regular file of `size` bytes.
    /// - Returns: an open descriptor the caller closes.
    /// - Throws: `.missing` when absent or damaged (wrong size), `.invalidDigest`.
    public func openForReading(sha256: String, size: UInt64) throws(ArtifactStoreError) -> Int32 {
        let path = try path(for: sha256)
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .missing(sha256: sha256, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, UInt64(info.st_size) == size else {
            close(descriptor)
            throw .missing(sha256: sha256, reason: "the stored file is not \(size) bytes")
        }
        return descriptor
    }

    static func makeDirectories(_ path: String) throws(ArtifactStoreError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST { throw .io(path: partial, call: "mkdir", errno: errno) }
        }
    }
}

/// The artifact store could not do what was asked; the description says what and where.
public enum ArtifactStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed.
    case io(path: String, call: String, errno: Int32)
    /// A digest that is not 64 lowercase hex digits.
    case invalidDigest(String)
    /// The upload's byte count differs from the announced size.
    case sizeMismatch(expected: UInt64, received: UInt64)
    /// The received bytes hash to something else than the agent computed.
    case checksumMismatch(claimed: String, received: String)
    /// Content that should be stored is not (or is damaged).
    case missing(sha256: String, reason: String)
    /// More bytes arrived than were announced, or at the wrong offset.
    case unexpectedChunk(String)

    public var description: String {
        switch self {
        case let .io(path, call, code): "\(path): \(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case .invalidDigest(let digest): "'\(digest)' is not a SHA-256 digest (64 lowercase hex digits)"
        case let .sizeMismatch(expected, received): "size mismatch: announced \(expected) bytes, received \(received)"
        case let .checksumMismatch(claimed, received):
            "checksum mismatch: the agent computed sha256 \(claimed), the received bytes hash to \(received)"
        case let .missing(sha, reason): "stored content \(sha) is missing or damaged: \(reason)"
        case .unexpectedChunk(let detail): detail
        }
    }
}
