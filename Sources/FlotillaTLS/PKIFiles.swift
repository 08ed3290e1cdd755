#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The file-system side of ``PKI``: a private directory and atomic, mode-exact writes.
enum PKIFiles {
    /// Creates `path` (and missing parents) with mode 0700; an existing directory is kept as is.
    static func ensureDirectory(_ path: String) throws(PKIError) {
        var status = stat()
        if stat(path, &status) == 0 {
            guard (status.st_mode & S_IFMT) == S_IFDIR else {
                throw .fileSystem(operation: "use as directory", path: path, errno: ENOTDIR)
            }
            return
        }
        let parent = parentDirectory(of: path)
        if let parent, parent != path { try ensureDirectory(parent) }
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw .fileSystem(operation: "mkdir", path: path, errno: errno)
        }
    }

    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Writes `bytes` to a temporary file beside `path` with exactly `mode`, flushes it, then
    /// moves it into place: rename when `replacing`, otherwise link, which fails rather than
    /// replace an existing file.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t,
                                replacing: Bool = true) throws(PKIError) {
        let directory = parentDirectory(of: path) ?? "."
        let base = path.split(separator: "/").last.map(String.init) ?? path
        let temporary = "\(directory)/.\(base).tmp-\(SHA256Hasher.hex(secureRandomBytes(8)))"
        // O_EXCL with the final mode: the key is never readable by others, not even briefly.
        let descriptor = open(temporary, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .fileSystem(operation: "create", path: temporary, errno: errno) }
        var committed = false
        defer { if !committed { unlink(temporary) } }
        do throws(PKIError) {
            // The umask may have removed bits from a certificate's 0644; set them explicitly.
            guard fchmod(descriptor, mode) == 0 else {
                throw .fileSystem(operation: "fchmod", path: temporary, errno: errno)
            }
            try writeAll(bytes, to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else { throw .fileSystem(operation: "fsync", path: temporary, errno: errno) }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw .fileSystem(operation: "close", path: temporary, errno: errno) }

        if replacing {
            guard rename(temporary, path) == 0 else { throw .fileSystem(operation: "rename", path: path, errno: errno) }
            committed = true
        } else {
            guard link(temporary, path) == 0 else {
                if errno == EEXIST { throw .caAlreadyExists(path: path) }
                throw .fileSystem(operation: "link", path: path, errno: errno)
            }
            unlink(temporary)
            committed = true
        }
        syncDirectory(directory)
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(PKIError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .fileSystem(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
    }

    /// Makes the rename durable; best effort, since not every file system supports it.
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func parentDirectory(of path: String) -> String? {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return nil }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }
}
