#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-system calls artifact collection and upload make, with errno kept as a value.
enum ArtifactFiles {
    /// What `lstat`/`stat` said about a path.
    struct Info {
        var mode: mode_t
        var size: UInt64
        var isDirectory: Bool { mode & S_IFMT == S_IFDIR }
        var isRegularFile: Bool { mode & S_IFMT == S_IFREG }
        var isSymlink: Bool { mode & S_IFMT == S_IFLNK }
    }

    /// A directory entry: its name as decoded for display and paths, and its raw bytes.
    struct Entry {
        var name: String
        var bytes: [UInt8]
    }

    /// A failed call, with errno.
    struct Failure: Error {
        var call: String
        var errno: Int32
        var reason: String { "\(call) failed: \(String(cString: strerror(errno)))" }
    }

    /// `lstat(2)`: the path itself, not a link's target; nil when it cannot be examined.
    static func linkStatus(_ path: String) -> Info? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Info(mode: info.st_mode, size: UInt64(max(0, info.st_size)))
    }

    /// `stat(2)`: following links; nil when it cannot be examined.
    static func status(_ path: String) -> Info? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Info(mode: info.st_mode, size: UInt64(max(0, info.st_size)))
    }

    /// Whether `path` is a directory (through a final symlink only when `followingLinks`).
    static func isDirectory(_ path: String, followingLinks: Bool) -> Bool {
        (followingLinks ? status(path) : linkStatus(path))?.isDirectory == true
    }

    /// The absolute path with every symlink resolved, or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// A directory's entries (without `.` and `..`), sorted bytewise for a deterministic walk.
    static func entries(of directory: String) -> Result<[Entry], Failure> {
        guard let stream = opendir(directory) else { return .failure(Failure(call: "opendir", errno: errno)) }
        defer { closedir(stream) }
        var entries: [Entry] = []
        while let entry = readdir(stream) {
            let bytes: [UInt8] = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            entries.append(Entry(name: String(decoding: bytes, as: UTF8.self), bytes: bytes))
        }
        return .success(entries.sorted { $0.bytes.lexicographicallyPrecedes($1.bytes) })
    }
}
