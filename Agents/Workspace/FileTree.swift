#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recursive removal that neither follows symlinks nor gives up on read-only directories
/// a build left behind (Go's module cache, `chmod -R a-w` test fixtures).
enum FileTree {
    /// Removes `path` and everything below it; a missing path is not an error.
    static func remove(_ path: String) throws(WorkspaceError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == ENOENT { return }
            throw .io(path: path, call: "lstat", errno: errno)
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard descriptor >= 0 else { throw .io(path: path, call: "open", errno: errno) }
            defer { close(descriptor) }
            fchmod(descriptor, 0o700)
            try removeContents(of: descriptor, path: path)
            if rmdir(path) != 0 && errno != ENOENT { throw .io(path: path, call: "rmdir", errno: errno) }
        } else if unlink(path) != 0 && errno != ENOENT {
            throw .io(path: path, call: "unlink", errno: errno)
        }
    }

    private static func removeContents(of directory: Int32, path: String) throws(WorkspaceError) {
        for name in try names(in: directory, path: path) {
            // Names stay raw bytes: a build may create names that are not UTF-8.
            let child = path + "/" + String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var info = stat()
            if fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) != 0 {
                if errno == ENOENT { continue }
                throw .io(path: child, call: "fstatat", errno: errno)
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                let descriptor = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard descriptor >= 0 else { throw .io(path: child, call: "openat", errno: errno) }
                fchmod(descriptor, 0o700)
                do {
                    try removeContents(of: descriptor, path: child)
                } catch {
                    close(descriptor)
                    throw error
                }
                close(descriptor)
                if unlinkat(directory, name, AT_REMOVEDIR) != 0 && errno != ENOENT {
                    throw .io(path: child, call: "rmdir", errno: errno)
                }
            } else if unlinkat(directory, name, 0) != 0 && errno != ENOENT {
                throw .io(path: child, call: "unlink", errno: errno)
            }
        }
    }

    /// NUL-terminated names of the entries of a directory, `.` and `..` excluded.
    private static func names(in directory: Int32, path: String) throws(WorkspaceError) -> [[CChar]] {
        let copy = dup(directory)
        guard copy >= 0, let stream = fdopendir(copy) else {
            let code = errno
            if copy >= 0 { close(copy) }
            throw .io(path: path, call: "fdopendir", errno: code)
        }
        defer { closedir(stream) }
        var names: [[CChar]] = []
        while let entry = readdir(stream) {
            let name: [CChar] = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.prefix(while: { $0 != 0 }).map { CChar(bitPattern: $0) } + [0]
            }
            if name != [46, 0] && name != [46, 46, 0] { names.append(name) }
        }
        return names
    }
}
