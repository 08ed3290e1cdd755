#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `SourceBundleBuilder.build` produced.
public struct BundleInfo: Sendable, Equatable {
    /// Lowercase hex SHA-256 of the whole bundle file: the bundle's name.
    public var sha256: String
    /// Size of the bundle file in bytes.
    public var size: UInt64
    /// Entries in the bundle: files, executables, symlinks and empty directories.
    public var fileCount: Int
    /// `git rev-parse HEAD`, with `-dirty` when tracked files are modified or untracked
    /// files are included; "" when the directory is not in a git work tree.
    public var sourceRevision: String

    public init(sha256: String, size: UInt64, fileCount: Int, sourceRevision: String) {
        self.sha256 = sha256; self.size = size; self.fileCount = fileCount; self.sourceRevision = sourceRevision
    }
}

/// Packs a source directory into a deterministic bundle file (see `SourceBundleFormat`).
///
/// File contents stream from disk into the output in bounded pieces and are hashed in the
/// same pass, so no bundle is ever held in memory. The output appears at `outputPath` only
/// when complete (it is written under a temporary name and renamed).
public enum SourceBundleBuilder {
    /// Builds a bundle of `sourceDirectory` at `outputPath`.
    ///
    /// In a git work tree the bundle holds what `git ls-files --cached --others
    /// --exclude-standard` lists below the directory (tracked files with their current
    /// contents, untracked files that are not ignored; deleted tracked files and anything
    /// under `.flotilla/`, Flotilla's state directory, are skipped).
    /// Elsewhere the directory is walked, skipping `.git`, `.flotilla` and `.build*`.
    /// Sockets, FIFOs and devices are skipped; an untracked nested git repository or a
    /// submodule appears as an empty directory. If `outputPath` lies inside the directory
    /// it is not bundled itself.
    ///
    /// - Parameters:
    ///   - sourceDirectory: The directory whose tree becomes the bundle.
    ///   - outputPath: Where to write the bundle file (replaced if it exists).
    ///   - limits: Bounds on entries, content bytes and path length.
    /// - Returns: The bundle's hash, size, entry count and source revision.
    /// - Throws: `BundleError` for unreadable sources, symlinks that point outside the tree,
    ///   names that are not UTF-8, exceeded limits, git failures and output I/O errors.
    public static func build(sourceDirectory: String, outputPath: String,
                             limits: BundleLimits = BundleLimits()) throws(BundleError) -> BundleInfo {
        guard let resolved = realpath(sourceDirectory, nil) else {
            throw .sourceIO(path: sourceDirectory, call: "realpath", errno: errno)
        }
        let root = String(cString: resolved)
        free(resolved)

        let listing = try SourceFileLister.list(directory: root, excluding: excludedPaths(root: root, outputPath: outputPath),
                                                limits: limits)
        let output = try HashingFileOutput(finalPath: outputPath)
        var writer = EntryWriter(root: root, output: output, limits: limits)
        try output.write(SourceBundleFormat.magic)
        try output.write(BigEndian.bytes(SourceBundleFormat.version))
        for entry in listing.entries {
            try writer.write(entry)
        }
        try output.write([SourceBundleFormat.endMarker] + BigEndian.bytes(UInt64(listing.entries.count))
                         + BigEndian.bytes(writer.contentBytes))
        let size = output.bytesWritten
        let digest = output.digest()
        try output.commit()
        return BundleInfo(sha256: digest, size: size, fileCount: listing.entries.count, sourceRevision: listing.revision)
    }

    /// The output file's path relative to the source root, when it lies inside it.
    private static func excludedPaths(root: String, outputPath: String) -> Set<String> {
        let slash = outputPath.lastIndex(of: "/")
        let directory = slash.map { String(outputPath[..<$0]) } ?? "."
        let name = slash.map { String(outputPath[outputPath.index(after: $0)...]) } ?? outputPath
        guard let resolved = realpath(directory.isEmpty ? "/" : directory, nil) else { return [] }
        let parent = String(cString: resolved)
        free(resolved)
        if parent == root { return [name] }
        guard parent.hasPrefix(root + "/") else { return [] }
        return [String(parent.dropFirst(root.count + 1)) + "/" + name]
    }

    /// Writes entries one at a time, copying file contents in bounded reads.
    private struct EntryWriter {
        let root: String
        let output: HashingFileOutput
        let limits: BundleLimits
        var contentBytes: UInt64 = 0
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)

        init(root: String, output: HashingFileOutput, limits: BundleLimits) {
            self.root = root; self.output = output; self.limits = limits
        }

        mutating func write(_ entry: SourceFileLister.Entry) throws(BundleError) {
            let relative = String(decoding: entry.path, as: UTF8.self)
            let absolute = root + "/" + relative
            switch entry.kind {
            case .directory:
                try writeHeader(kind: .directory, path: entry.path, size: 0)
            case .symlink:
                let target: [UInt8]
                switch BundleSyscalls.linkTarget(absolute, maxBytes: limits.maxPathBytes) {
                case .success(let bytes): target = bytes
                case .failure(let error): throw .sourceIO(path: absolute, call: "readlink", errno: error.code)
                }
                if let problem = BundlePathRules.problem(withSymlinkTarget: target, linkPath: entry.path, limits: limits) {
                    throw .unsupportedSource(path: absolute, reason: "\(problem) (\(String(decoding: target, as: UTF8.self)))")
                }
                try addContent(UInt64(target.count), context: relative)
                try writeHeader(kind: .symlink, path: entry.path, size: UInt64(target.count))
                try output.write(target)
            case .file, .executable:
                try copyFile(path: entry.path, absolute: absolute, relative: relative)
            }
        }

        private mutating func copyFile(path: [UInt8], absolute: String, relative: String) throws(BundleError) {
            let descriptor = open(absolute, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else {
                if errno == ELOOP { throw .sourceChanged(path: absolute, detail: "became a symlink") }
                throw .sourceIO(path: absolute, call: "open", errno: errno)
            }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw .sourceIO(path: absolute, call: "fstat", errno: errno) }
            guard BundleSyscalls.isRegularFile(info) else { throw .sourceChanged(path: absolute, detail: "is no longer a regular file") }
            let size = UInt64(info.st_size)
            try addContent(size, context: relative)
            try writeHeader(kind: info.st_mode & 0o111 != 0 ? .executable : .file, path: path, size: size)
            var remaining = size
            while remaining > 0 {
                let wanted = Int(min(remaining, UInt64(buffer.count)))
                let result = buffer.withUnsafeMutableBytes { BundleSyscalls.readSome(descriptor, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<wanted])) }
                let count: Int
                switch result {
                case .success(let value): count = value
                case .failure(let error): throw .sourceIO(path: absolute, call: "read", errno: error.code)
                }
                if count == 0 {
                    throw .sourceChanged(path: absolute, detail: "shrank from \(size) to \(size - remaining) bytes while being read")
                }
                try buffer.withBundleBytes { (raw: UnsafeRawBufferPointer) throws(BundleError) in
                    try output.write(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
                }
                remaining -= UInt64(count)
            }
        }

        private mutating func addContent(_ size: UInt64, context: String) throws(BundleError) {
            guard size <= limits.maxTotalBytes - contentBytes else {
                throw .limitExceeded(what: "bytes of content", limit: limits.maxTotalBytes, context: "bundling \(root) at \(context)")
            }
            contentBytes += size
        }

        private func writeHeader(kind: BundleEntryKind, path: [UInt8], size: UInt64) throws(BundleError) {
            try output.write([kind.rawValue] + BigEndian.bytes(UInt16(path.count)) + path + BigEndian.bytes(size))
        }
    }
}

/// Big-endian integer encoding for the bundle format.
enum BigEndian {
    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    static func value<T: FixedWidthInteger>(_ bytes: some Collection<UInt8>, as type: T.Type = T.self) -> T {
        bytes.reduce(T.zero) { ($0 << 8) | T($1) }
    }
}
