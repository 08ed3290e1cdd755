/// The byte layout of a Flotilla source bundle: the tree of files a job runs on.
///
/// A bundle is deterministic and content-addressed: the same tree always produces the same
/// bytes, so the SHA-256 of the bundle file names it (`BundleRequest`, `JobAssignment`).
/// Nothing machine-specific is recorded: no timestamps, owners, or permission bits beyond
/// "executable". All integers are big-endian.
///
/// ```
/// header   magic  8 bytes  "FLOTBNDL"
///          version  UInt16  1
/// entry*   kind     UInt8   1 file, 2 executable file, 3 symlink, 4 directory
///          pathLen  UInt16  1...limits.maxPathBytes
///          path     pathLen bytes of UTF-8, relative, '/'-separated
///          size     UInt64  file: content length; symlink: target length; directory: 0
///          data     size bytes: file content, or the symlink target (UTF-8)
/// end      kind     UInt8   0
///          count    UInt64  number of entries
///          total    UInt64  sum of every entry's size
/// ```
///
/// Rules a reader enforces (a bundle that breaks one is refused, naming the entry and offset):
/// - Entries are sorted by the bytes of their path, strictly increasing (so no duplicates).
/// - A path has no empty, `.` or `..` component, does not start with `/`, contains no NUL.
/// - Parent directories are implied by their children; directory entries appear only for
///   directories that would otherwise be lost (empty ones).
/// - A symlink target is relative, non-empty, and may use `..` only as leading components,
///   no more of them than the link's own depth: `a/b/link -> ../../x` is accepted,
///   `link -> ../x`, `link -> /etc/passwd` and `a/link -> b/../../x` are not. Because no
///   entry is ever written through a symlink, every link then resolves inside the tree.
/// - Nothing follows the end marker.
public enum SourceBundleFormat {
    /// The first eight bytes of every bundle: `FLOTBNDL`.
    public static let magic: [UInt8] = Array("FLOTBNDL".utf8)
    /// The only format version this code reads and writes.
    public static let version: UInt16 = 1
    /// Bytes before the first entry.
    static let headerSize = 10
    /// Kind byte of the end marker.
    static let endMarker: UInt8 = 0
}

/// What a bundle entry is.
public enum BundleEntryKind: UInt8, Sendable, Equatable, CustomStringConvertible {
    case file = 1
    case executable = 2
    case symlink = 3
    case directory = 4

    public var description: String {
        switch self {
        case .file: return "file"
        case .executable: return "executable"
        case .symlink: return "symlink"
        case .directory: return "directory"
        }
    }
}

/// Bounds on what a bundle may contain, enforced when building and when extracting.
public struct BundleLimits: Sendable, Equatable {
    /// Most entries (files, symlinks, empty directories) in one bundle.
    public var maxEntries: Int
    /// Most bytes of content (sum of entry sizes) in one bundle.
    public var maxTotalBytes: UInt64
    /// Longest entry path or symlink target, in UTF-8 bytes.
    public var maxPathBytes: Int

    /// 200 000 entries, 2 GiB of content, 4096-byte paths.
    public init(maxEntries: Int = 200_000, maxTotalBytes: UInt64 = 2 << 30, maxPathBytes: Int = 4096) {
        precondition(maxPathBytes > 0 && maxPathBytes <= Int(UInt16.max), "maxPathBytes must fit the UInt16 length field")
        self.maxEntries = maxEntries; self.maxTotalBytes = maxTotalBytes; self.maxPathBytes = maxPathBytes
    }
}

/// The path rules of the bundle format, shared by the builder (fail early, on the client)
/// and the extractor (never trust the bytes).
enum BundlePathRules {
    /// Why `path` is not an acceptable entry path, or nil when it is.
    static func problem(withPath path: [UInt8], limits: BundleLimits) -> String? {
        if path.isEmpty { return "empty path" }
        if path.count > limits.maxPathBytes { return "path longer than \(limits.maxPathBytes) bytes" }
        if path.contains(0) { return "path contains a NUL byte" }
        if path.first == UInt8(ascii: "/") { return "absolute path" }
        guard String(validating: path, as: UTF8.self) != nil else { return "path is not valid UTF-8" }
        for component in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if component.isEmpty { return "empty path component" }
            if component.elementsEqual([UInt8(ascii: ".")]) { return "'.' path component" }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { return "'..' path component" }
        }
        return nil
    }

    /// Why a symlink at `linkPath` may not point at `target`, or nil when it stays inside the tree.
    static func problem(withSymlinkTarget target: [UInt8], linkPath: [UInt8], limits: BundleLimits) -> String? {
        if target.isEmpty { return "empty symlink target" }
        if target.count > limits.maxPathBytes { return "symlink target longer than \(limits.maxPathBytes) bytes" }
        if target.contains(0) { return "symlink target contains a NUL byte" }
        if target.first == UInt8(ascii: "/") { return "symlink target is absolute" }
        guard String(validating: target, as: UTF8.self) != nil else { return "symlink target is not valid UTF-8" }
        let linkDepth = linkPath.split(separator: UInt8(ascii: "/")).count - 1
        var leadingParents = 0
        var sawName = false
        for component in target.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if component.elementsEqual([UInt8(ascii: ".")]) { continue }
            if component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) {
                if sawName { return "symlink target uses '..' after a directory name" }
                leadingParents += 1
                if leadingParents > linkDepth { return "symlink target resolves outside the bundle" }
            } else {
                sawName = true
            }
        }
        return nil
    }

    /// True for a lowercase 64-digit hexadecimal SHA-256, the only names content-addressed files get.
    static func isSHA256Hex(_ text: String) -> Bool {
        let utf8 = text.utf8
        return utf8.count == 64 && utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
