#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The per-attempt log files under `STATE/logs/`: naming, appending, syncing, reading.
///
/// The files hold bytes only; which range belongs to which chunk is in SQLite. A range is
/// written before its index row commits and never changes afterwards, so readers need no
/// lock, and bytes past the last indexed range (left by a crash between write and commit)
/// are never served and are cut off by the next append.
enum LogFiles {
    /// `logs/<run>/<attempt row>-<job>.<attempt>.log`, each name part made safe for a file name.
    ///
    /// The attempt's row id makes the name unique even when long ids are shortened.
    static func relativePath(runID: String, jobID: String, attempt: UInt32, rowID: Int64) -> String {
        "logs/\(safeName(runID, limit: 100))/\(rowID)-\(safeName(jobID, limit: 120)).\(attempt).log"
    }

    /// Keeps `[A-Za-z0-9._-]`, percent-encodes other bytes, and never yields "", "." or "..".
    static func safeName(_ text: String, limit: Int) -> String {
        var out = ""
        for byte in text.utf8 {
            let keep = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || (byte == UInt8(ascii: ".") && !out.isEmpty)
            let piece = keep ? String(UnicodeScalar(byte)) : "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            if out.utf8.count + piece.utf8.count > limit { break }
            out += piece
        }
        return out.isEmpty ? "%" : out
    }

    /// Writes `bytes` at `offset` of `path`, first cutting off anything already past `offset`.
    ///
    /// - Throws: `.corrupt` when the file is shorter than `offset` (indexed bytes were lost, as
    ///   after a machine crash before the file was synced); file errors classified by errno.
    static func write(_ bytes: [UInt8], to path: String, at offset: UInt64) throws(StoreError) {
        let fd = try openForWriting(path)
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StoreError.file("fstat", path: path, errno: errno) }
        let size = UInt64(info.st_size)
        if size < offset {
            throw StoreError(kind: .corrupt, message: "log file has \(size) bytes but its index covers \(offset)", path: path)
        }
        if size > offset {
            guard ftruncate(fd, off_t(offset)) == 0 else { throw StoreError.file("ftruncate", path: path, errno: errno) }
        }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                pwrite(fd, raw.baseAddress! + written, raw.count - written, off_t(offset) + off_t(written))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.file("pwrite", path: path, errno: errno)
            }
            written += n
        }
    }

    /// Flushes `path` and its directory to disk; a file that does not exist is fine (no logs yet).
    static func sync(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return }
            throw StoreError.file("open", path: path, errno: errno)
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError.file("fsync", path: path, errno: errno) }
        try syncDirectory(parent(of: path))
    }

    private static func openForWriting(_ path: String) throws(StoreError) -> Int32 {
        var fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o640)
        if fd < 0 && errno == ENOENT {
            try makeDirectories(parent(of: path))
            fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o640)
        }
        guard fd >= 0 else { throw StoreError.file("open", path: path, errno: errno) }
        return fd
    }

    /// `mkdir -p` with mode 0750; a new directory's parent is synced so its entry survives a crash.
    static func makeDirectories(_ path: String) throws(StoreError) {
        if access(path, F_OK) == 0 { return }
        let up = parent(of: path)
        if up != path { try makeDirectories(up) }
        if mkdir(path, 0o750) != 0 && errno != EEXIST { throw StoreError.file("mkdir", path: path, errno: errno) }
        try syncDirectory(up)
    }

    private static func syncDirectory(_ path: String) throws(StoreError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.file("open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw StoreError.file("fsync", path: path, errno: errno) }
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// Reads indexed ranges of log files, keeping the last file open between consecutive ranges.
final class LogFileReader {
    private var openPath = ""
    private var fd: Int32 = -1

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Exactly `length` bytes at `offset` of `path`.
    ///
    /// - Throws: `.corrupt` when the file ends before the range does; file errors by errno.
    func read(_ path: String, offset: UInt64, length: UInt64) throws(StoreError) -> [UInt8] {
        if path != openPath {
            if fd >= 0 { close(fd) }
            fd = open(path, O_RDONLY | O_CLOEXEC)
            openPath = fd >= 0 ? path : ""
            guard fd >= 0 else { throw StoreError.file("open", path: path, errno: errno) }
        }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + done, raw.count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.file("pread", path: path, errno: errno)
            }
            if n == 0 {
                throw StoreError(kind: .corrupt,
                                 message: "log file ends at \(offset + UInt64(done)) inside an indexed range \(offset)+\(length)",
                                 path: path)
            }
            done += n
        }
        return bytes
    }
}
