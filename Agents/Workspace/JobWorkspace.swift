#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import WireProtocol

/// The directories one job attempt runs in.
///
/// ```
/// <workRoot>/<runID>/<jobID>-<attempt>/
///     src/   the extracted source bundle: FLOTILLA_WORKSPACE, GITHUB_WORKSPACE, default cwd
///     tmp/   step scripts; RUNNER_TEMP, FLOTILLA_TEMP
/// ```
/// Sources get their own subdirectory so the agent's files (scripts) never mix with the
/// tree a step sees as its checkout. A workspace is never reused: `create` removes a stale
/// one left by a crashed agent first.
public struct JobWorkspace: Sendable, Equatable {
    /// `<workRoot>/<runID>/<jobID>-<attempt>`.
    public let root: String
    /// `root/src`: where the bundle is extracted and steps start.
    public let sourceDirectory: String
    /// `root/tmp`: step scripts and scratch files.
    public let temporaryDirectory: String

    /// Creates a fresh, empty workspace for `job` under `workRoot` (made absolute).
    /// - Throws: `WorkspaceError.invalidName` when an id cannot be a directory name,
    ///   `.io` when a directory cannot be removed or created.
    public static func create(workRoot: String, job: JobRef) throws(WorkspaceError) -> JobWorkspace {
        try checkName(job.runID, what: "run id")
        try checkName(job.jobID, what: "job id")
        // Absolute, so FLOTILLA_WORKSPACE stays valid after a step changes directory.
        let absoluteRoot = workRoot.hasPrefix("/") ? workRoot : currentDirectory() + "/" + workRoot
        let runDirectory = absoluteRoot + "/" + job.runID
        let root = runDirectory + "/" + job.jobID + "-" + String(job.attempt)
        try makeDirectories(runDirectory)
        try FileTree.remove(root)
        let workspace = JobWorkspace(root: root, sourceDirectory: root + "/src", temporaryDirectory: root + "/tmp")
        for path in [workspace.root, workspace.sourceDirectory, workspace.temporaryDirectory] {
            if mkdir(path, 0o755) != 0 { throw .io(path: path, call: "mkdir", errno: errno) }
        }
        return workspace
    }

    /// Removes the workspace, and its run directory when no other attempt is left in it.
    public func remove() throws(WorkspaceError) {
        try FileTree.remove(root)
        if let slash = root.lastIndex(of: "/") {
            rmdir(String(root[..<slash])) // fails harmlessly while siblings exist
        }
    }

    /// The absolute directory a step with `workingDirectory` starts in.
    ///
    /// - Parameter relative: The step's `working-directory`, relative to `sourceDirectory`;
    ///   empty for the source directory itself.
    /// - Throws: `WorkspaceError.workingDirectory` when it is absolute, leaves the source
    ///   directory (through `..` or a symlink), or does not exist.
    public func resolveWorkingDirectory(_ relative: String) throws(WorkspaceError) -> String {
        guard !relative.hasPrefix("/") else { throw .workingDirectory(relative, reason: "must be relative to the workspace") }
        var components: [Substring] = []
        for component in relative.split(separator: "/") where component != "." {
            if component == ".." {
                guard !components.isEmpty else { throw .workingDirectory(relative, reason: "leaves the workspace") }
                components.removeLast()
            } else {
                components.append(component)
            }
        }
        let candidate = ([Substring(sourceDirectory)] + components).joined(separator: "/")
        guard let real = WorkspaceError.realPath(candidate) else {
            throw .workingDirectory(relative, reason: "does not exist (\(String(cString: strerror(errno))))")
        }
        guard let base = WorkspaceError.realPath(sourceDirectory), real == base || real.hasPrefix(base + "/") else {
            throw .workingDirectory(relative, reason: "resolves outside the workspace through a symlink")
        }
        var info = stat()
        guard stat(real, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .workingDirectory(relative, reason: "is not a directory")
        }
        return candidate
    }

    /// Writes a step script into `temporaryDirectory` and returns its path.
    /// - Throws: `WorkspaceError.io` when the file cannot be written.
    public func writeScript(named name: String, contents: String) throws(WorkspaceError) -> String {
        var bytes = Array(contents.utf8)
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
        return try writeFile(named: name, bytes: bytes, mode: 0o700)
    }

    /// Writes `bytes` as they are to a file in `temporaryDirectory` and returns its path.
    /// - Throws: `WorkspaceError.io` when the file cannot be written.
    public func writeFile(named name: String, bytes: [UInt8], mode: mode_t = 0o644) throws(WorkspaceError) -> String {
        let path = temporaryDirectory + "/" + name
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .io(path: path, call: "open", errno: errno) }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, call: "write", errno: errno)
            }
            offset += written
        }
        return path
    }

    /// Reads a file of `temporaryDirectory` that steps may have written, without following a
    /// symlink and without reading more than `limit` bytes.
    ///
    /// - Returns: The bytes; an empty array when the file does not exist; nil when it holds
    ///   more than `limit` bytes.
    /// - Throws: `WorkspaceError.io` when it cannot be opened or read.
    public func readFile(named name: String, limit: Int) throws(WorkspaceError) -> [UInt8]? {
        let path = temporaryDirectory + "/" + name
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT { return [] }
        guard descriptor >= 0 else { throw .io(path: path, call: "open", errno: errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        // One byte past the limit is enough to know it was exceeded, whatever the step does to the file meanwhile.
        while bytes.count <= limit {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, min($0.count, limit + 1 - bytes.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, call: "read", errno: errno)
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer.prefix(count))
        }
        return bytes.count > limit ? nil : bytes
    }

    /// Removes a file of `temporaryDirectory`; a missing file is not an error.
    /// - Throws: `WorkspaceError.io` when it exists and cannot be removed.
    public func removeFile(named name: String) throws(WorkspaceError) {
        let path = temporaryDirectory + "/" + name
        if unlink(path) != 0 && errno != ENOENT { throw .io(path: path, call: "unlink", errno: errno) }
    }

    private static func checkName(_ name: String, what: String) throws(WorkspaceError) {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.utf8.contains(0) || name.utf8.count > 200 {
            throw .invalidName(what: what, value: name)
        }
    }

    private static func currentDirectory() -> String {
        guard let directory = getcwd(nil, 0) else { return "." }
        defer { free(directory) }
        return String(cString: directory)
    }

    private static func makeDirectories(_ path: String) throws(WorkspaceError) {
        var partial = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            partial += "/" + component
            if mkdir(partial, 0o755) != 0 && errno != EEXIST { throw .io(path: partial, call: "mkdir", errno: errno) }
        }
    }
}

/// A job workspace could not be prepared or cleaned up.
public enum WorkspaceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A run or job id cannot be used as a directory name.
    case invalidName(what: String, value: String)
    /// A file system call failed.
    case io(path: String, call: String, errno: Int32)
    /// A step's working directory is unusable.
    case workingDirectory(String, reason: String)

    public var description: String {
        switch self {
        case let .invalidName(what, value):
            return "\(what) '\(value)' cannot be used as a directory name"
        case let .io(path, call, code):
            return "\(path): \(call) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .workingDirectory(path, reason):
            return "working directory '\(path)' \(reason)"
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
