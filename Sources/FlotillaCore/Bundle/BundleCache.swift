#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory of verified bundles named by their SHA-256: `<directory>/<sha256>.bundle`.
///
/// Files appear only through `ContentAddressedFileWriter`, so whatever `contains` finds has
/// already been checked against its name. Concurrent writers of the same bundle are safe:
/// each writes its own temporary file and the last identical rename wins.
public struct BundleCache: Sendable {
    /// The cache directory.
    public let directory: String

    /// Opens the cache at `directory`, creating it (and its parents) when missing.
    /// - Throws: `BundleError.fileIO` when the directory cannot be created.
    public init(directory: String) throws(BundleError) {
        self.directory = directory
        var partial = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST {
                throw .fileIO(path: partial, call: "mkdir", errno: errno)
            }
        }
    }

    /// The path a bundle with this digest has (whether or not it is present).
    /// - Throws: `BundleError.invalidDigest` unless `sha256` is 64 lowercase hex digits, so a
    ///   name from the network can never point outside the cache.
    public func path(for sha256: String) throws(BundleError) -> String {
        guard BundlePathRules.isSHA256Hex(sha256) else { throw .invalidDigest(sha256) }
        return directory + "/" + sha256 + ".bundle"
    }

    /// True when a verified bundle with this digest is present.
    public func contains(_ sha256: String) -> Bool {
        guard let path = try? path(for: sha256) else { return false }
        var info = stat()
        return stat(path, &info) == 0 && BundleSyscalls.isRegularFile(info)
    }

    /// Starts receiving a bundle; it becomes visible to `contains` once the writer's
    /// `finish()` has verified digest and size.
    /// - Throws: `BundleError.invalidDigest` or `.fileIO`.
    public func beginWrite(sha256: String, size: UInt64) throws(BundleError) -> ContentAddressedFileWriter {
        try ContentAddressedFileWriter(destinationPath: path(for: sha256), expectedSHA256: sha256, expectedSize: size)
    }

    /// Removes a bundle; harmless when it is absent.
    /// - Throws: `BundleError.invalidDigest` or `.fileIO` when unlink fails for another reason.
    public func remove(_ sha256: String) throws(BundleError) {
        let path = try path(for: sha256)
        if unlink(path) != 0 && errno != ENOENT { throw .fileIO(path: path, call: "unlink", errno: errno) }
    }
}
