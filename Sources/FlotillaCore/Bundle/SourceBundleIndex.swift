/// The entry paths of a source bundle, read without extracting it.
///
/// What the coordinator matches `shard.files` globs against: the same list
/// `ShardPreview.sourceFiles(directory:)` gives for the directory the bundle was built from.
public enum SourceBundleIndex {
    /// The relative paths of the bundle's files, executables and symlinks (not directories), in
    /// bundle order (sorted by UTF-8 bytes).
    ///
    /// Reads the bundle front to back (content is skipped through the reader's buffer) and
    /// checks the entry framing, path rules, order and end marker as the extractor does, so a
    /// bundle the agents would refuse is refused here too.
    ///
    /// - Throws: `BundleError.notABundle`, `.truncated`, `.malformed`, `.unsafeEntry`,
    ///   `.limitExceeded` naming the entry and byte offset, or `.fileIO`.
    public static func filePaths(bundlePath: String, limits: BundleLimits = BundleLimits()) throws(BundleError) -> [String] {
        let reader = try BundleReader(path: bundlePath)
        try SourceBundleExtractor.readHeader(reader)
        var location = BundleEntryLocation(index: 0, path: nil, offset: 0)
        var previous: [UInt8]?
        var contentBytes: UInt64 = 0
        var paths: [String] = []

        func field(_ count: Int, _ what: String) throws(BundleError) -> [UInt8] {
            guard let bytes = try reader.read(count) else {
                throw .truncated(path: bundlePath, at: BundleEntryLocation(index: location.index, path: location.path,
                                                                            offset: reader.offset), expected: what)
            }
            return bytes
        }

        while true {
            location = BundleEntryLocation(index: location.index, path: nil, offset: reader.offset)
            let kindByte = try field(1, "an entry kind or the end marker")[0]
            if kindByte == SourceBundleFormat.endMarker {
                let count: UInt64 = BigEndian.value(try field(8, "the entry count of the end marker"))
                let total: UInt64 = BigEndian.value(try field(8, "the content total of the end marker"))
                guard count == UInt64(location.index) && total == contentBytes else {
                    throw .malformed(path: bundlePath, at: location,
                                     reason: "end marker says \(count) entries and \(total) bytes, found \(location.index) and \(contentBytes)")
                }
                guard try reader.isAtEnd() else {
                    throw .malformed(path: bundlePath, at: location, reason: "data after the end marker")
                }
                return paths
            }
            guard let kind = BundleEntryKind(rawValue: kindByte) else {
                throw .malformed(path: bundlePath, at: location, reason: "unknown entry kind \(kindByte)")
            }
            guard location.index < limits.maxEntries else {
                throw .limitExceeded(what: "entries", limit: UInt64(limits.maxEntries), context: "bundle \(bundlePath) at \(location)")
            }
            let pathLength = Int(BigEndian.value(try field(2, "a path length"), as: UInt16.self))
            guard pathLength > 0 && pathLength <= limits.maxPathBytes else {
                throw .malformed(path: bundlePath, at: location, reason: "path length \(pathLength) outside 1...\(limits.maxPathBytes)")
            }
            let path = try field(pathLength, "a \(pathLength)-byte path")
            location.path = String(decoding: path, as: UTF8.self)
            if let problem = BundlePathRules.problem(withPath: path, limits: limits) {
                throw .unsafeEntry(path: bundlePath, at: location, reason: problem)
            }
            if let previous, !previous.lexicographicallyPrecedes(path) {
                throw .malformed(path: bundlePath, at: location,
                                 reason: "entries not in strictly increasing path order (after '\(String(decoding: previous, as: UTF8.self))')")
            }
            previous = path
            let size: UInt64 = BigEndian.value(try field(8, "an entry size"))
            if kind == .directory && size != 0 {
                throw .malformed(path: bundlePath, at: location, reason: "directory entry with size \(size)")
            }
            guard size <= limits.maxTotalBytes - contentBytes else {
                throw .limitExceeded(what: "bytes of content", limit: limits.maxTotalBytes, context: "bundle \(bundlePath) at \(location)")
            }
            contentBytes += size
            guard try reader.stream(size, into: { (_: UnsafeRawBufferPointer) throws(BundleError) in }) else {
                throw .truncated(path: bundlePath, at: location, expected: "\(size) bytes of \(kind) content")
            }
            if kind != .directory { paths.append(location.path!) }
            location.index += 1
        }
    }
}
