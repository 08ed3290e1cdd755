import FlotillaTLS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `SourceBundleExtractor.extract` wrote.
public struct ExtractionSummary: Sendable, Equatable {
    /// Entries written: files, executables, symlinks and directories.
    public var entryCount: Int
    /// Bytes of file content and symlink targets written.
    public var contentBytes: UInt64
    public init(entryCount: Int, contentBytes: UInt64) { self.entryCount = entryCount; self.contentBytes = contentBytes }
}

/// Unpacks a bundle into a directory, trusting none of its bytes.
///
/// Every entry is validated before anything is written for it (see `SourceBundleFormat`
/// for the rules). Files are created with `O_CREAT | O_EXCL | O_NOFOLLOW` relative to
/// directory descriptors that were themselves opened with `O_NOFOLLOW`, so no entry is
/// ever written through a symlink, whether the bundle or an earlier entry planted it.
/// On error the destination may hold the entries extracted so far; callers extract into
/// a fresh directory and remove it on failure.
public enum SourceBundleExtractor {
    /// Extracts the bundle at `bundlePath` into `directory` (created if missing).
    ///
    /// - Parameters:
    ///   - bundlePath: The bundle file.
    ///   - directory: The destination, created when missing (its parent must exist);
    ///     entries must not exist in it yet.
    ///   - expectedSHA256: When given, the whole file is hashed first (streaming) and nothing
    ///     is written unless it matches.
    ///   - limits: Bounds on entries, content bytes and path length.
    /// - Returns: How many entries and content bytes were written.
    /// - Throws: `BundleError.hashMismatch`, `.notABundle`, `.truncated`, `.malformed`,
    ///   `.unsafeEntry`, `.limitExceeded` naming the entry and byte offset, or I/O errors.
    @discardableResult
    public static func extract(bundlePath: String, into directory: String, expectedSHA256: String?,
                               limits: BundleLimits = BundleLimits()) throws(BundleError) -> ExtractionSummary {
        if let expectedSHA256 {
            guard BundlePathRules.isSHA256Hex(expectedSHA256) else { throw .invalidDigest(expectedSHA256) }
            let actual: String
            do {
                actual = try SHA256Hasher.hashFile(path: bundlePath)
            } catch {
                switch error {
                case let .cannotOpen(path, code): throw .fileIO(path: path, call: "open", errno: code)
                case let .readFailed(path, code): throw .fileIO(path: path, call: "read", errno: code)
                }
            }
            guard actual == expectedSHA256 else {
                throw .hashMismatch(path: bundlePath, expected: expectedSHA256, actual: actual)
            }
        }
        let reader = try BundleReader(path: bundlePath)
        try readHeader(reader)
        let destination = try DestinationTree(path: directory)
        var extraction = Extraction(reader: reader, destination: destination, limits: limits)
        return try extraction.run()
    }

    static func readHeader(_ reader: BundleReader) throws(BundleError) {
        guard let header = try reader.read(SourceBundleFormat.headerSize) else {
            throw .notABundle(path: reader.path, reason: "shorter than the \(SourceBundleFormat.headerSize)-byte header")
        }
        guard header.prefix(8).elementsEqual(SourceBundleFormat.magic) else {
            throw .notABundle(path: reader.path, reason: "missing FLOTBNDL magic")
        }
        let version: UInt16 = BigEndian.value(header.suffix(2))
        guard version == SourceBundleFormat.version else {
            throw .notABundle(path: reader.path, reason: "format version \(version), this agent reads \(SourceBundleFormat.version)")
        }
    }

    /// The entry loop: parse, validate, write.
    private struct Extraction {
        let reader: BundleReader
        let destination: DestinationTree
        let limits: BundleLimits
        var location = BundleEntryLocation(index: 0, path: nil, offset: 0)
        var previousPath: [UInt8]? = nil
        var contentBytes: UInt64 = 0

        init(reader: BundleReader, destination: DestinationTree, limits: BundleLimits) {
            self.reader = reader; self.destination = destination; self.limits = limits
        }

        mutating func run() throws(BundleError) -> ExtractionSummary {
            while true {
                location = BundleEntryLocation(index: location.index, path: nil, offset: reader.offset)
                let kindByte = try field(1, "an entry kind or the end marker")[0]
                if kindByte == SourceBundleFormat.endMarker {
                    try readEnd()
                    return ExtractionSummary(entryCount: location.index, contentBytes: contentBytes)
                }
                guard let kind = BundleEntryKind(rawValue: kindByte) else {
                    throw .malformed(path: reader.path, at: location, reason: "unknown entry kind \(kindByte)")
                }
                guard location.index < limits.maxEntries else {
                    throw .limitExceeded(what: "entries", limit: UInt64(limits.maxEntries), context: "bundle \(reader.path) at \(location)")
                }
                let pathLength = Int(BigEndian.value(try field(2, "a path length"), as: UInt16.self))
                guard pathLength > 0 && pathLength <= limits.maxPathBytes else {
                    throw .malformed(path: reader.path, at: location, reason: "path length \(pathLength) outside 1...\(limits.maxPathBytes)")
                }
                let path = try field(pathLength, "a \(pathLength)-byte path")
                location.path = String(decoding: path, as: UTF8.self)
                if let problem = BundlePathRules.problem(withPath: path, limits: limits) {
                    throw .unsafeEntry(path: reader.path, at: location, reason: problem)
                }
                if let previousPath, !previousPath.lexicographicallyPrecedes(path) {
                    throw .malformed(path: reader.path, at: location,
                                     reason: "entries not in strictly increasing path order (after '\(String(decoding: previousPath, as: UTF8.self))')")
                }
                previousPath = path
                let size: UInt64 = BigEndian.value(try field(8, "an entry size"))
                try checkSize(size, kind: kind)
                try write(kind: kind, path: path, size: size)
                location.index += 1
            }
        }

        private mutating func checkSize(_ size: UInt64, kind: BundleEntryKind) throws(BundleError) {
            if kind == .directory && size != 0 {
                throw .malformed(path: reader.path, at: location, reason: "directory entry with size \(size)")
            }
            if kind == .symlink && (size == 0 || size > UInt64(limits.maxPathBytes)) {
                throw .malformed(path: reader.path, at: location, reason: "symlink target length \(size) outside 1...\(limits.maxPathBytes)")
            }
            guard size <= limits.maxTotalBytes - contentBytes else {
                throw .limitExceeded(what: "bytes of content", limit: limits.maxTotalBytes, context: "bundle \(reader.path) at \(location)")
            }
            contentBytes += size
        }

        private mutating func write(kind: BundleEntryKind, path: [UInt8], size: UInt64) throws(BundleError) {
            let components = path.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
            let parent = try destination.directory(components.dropLast(), for: location, bundle: reader.path)
            let name = components[components.count - 1]
            switch kind {
            case .directory:
                try destination.makeDirectory(name, in: parent, for: location)
            case .symlink:
                let target = try field(Int(size), "a \(size)-byte symlink target")
                if let problem = BundlePathRules.problem(withSymlinkTarget: target, linkPath: path, limits: limits) {
                    throw .unsafeEntry(path: reader.path, at: location, reason: "\(problem) (\(String(decoding: target, as: UTF8.self)))")
                }
                try destination.makeSymlink(name, target: String(decoding: target, as: UTF8.self), in: parent, for: location)
            case .file, .executable:
                let descriptor = try destination.createFile(name, executable: kind == .executable, in: parent,
                                                            for: location, bundle: reader.path)
                defer { close(descriptor) }
                let destinationPath = destination.path
                let location = self.location
                let complete = try reader.stream(size) { (bytes: UnsafeRawBufferPointer) throws(BundleError) in
                    if let code = BundleSyscalls.writeAll(descriptor, bytes) {
                        throw .extractFailed(at: location, destination: destinationPath, call: "write", errno: code)
                    }
                }
                if !complete {
                    throw .truncated(path: reader.path, at: located(), expected: "\(size) bytes of file content")
                }
            }
        }

        private mutating func readEnd() throws(BundleError) {
            let count: UInt64 = BigEndian.value(try field(8, "the entry count of the end marker"))
            let total: UInt64 = BigEndian.value(try field(8, "the content total of the end marker"))
            guard count == UInt64(location.index) && total == contentBytes else {
                throw .malformed(path: reader.path, at: location,
                                 reason: "end marker says \(count) entries and \(total) bytes, found \(location.index) and \(contentBytes)")
            }
            guard try reader.isAtEnd() else {
                throw .malformed(path: reader.path, at: located(), reason: "data after the end marker")
            }
        }

        /// Reads a fixed-size field, or throws `.truncated` naming it.
        private func field(_ count: Int, _ what: String) throws(BundleError) -> [UInt8] {
            guard let bytes = try reader.read(count) else {
                throw .truncated(path: reader.path, at: located(), expected: what)
            }
            return bytes
        }

        /// The current entry, at the reader's current offset.
        private func located() -> BundleEntryLocation {
            BundleEntryLocation(index: location.index, path: location.path, offset: reader.offset)
        }
    }
}
