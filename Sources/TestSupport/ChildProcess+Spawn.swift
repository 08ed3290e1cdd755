#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Starting a child process failed.
public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    /// The call that failed (`posix_spawn`, `open`, …).
    public var call: String
    public var errno: Int32
    /// The program that was being started.
    public var executablePath: String

    public var description: String {
        "cannot start \(executablePath): \(call) failed: \(String(cString: strerror(errno)))"
    }
}

extension ChildProcess {
    #if canImport(Glibc)
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?) -> Int32
    private typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc's `_np` spawn actions sit behind `_GNU_SOURCE`, so the Glibc module lacks them.
    private static func glibcSymbol<F>(_ name: String, as type: F.Type) -> F? {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else { return nil }
        return unsafeBitCast(symbol, to: type)
    }
    #endif

    static func spawn(executablePath: String, arguments: [String], workingDirectory: String?,
                      environment: [String: String], stdoutPath: String, stderrPath: String) throws(ChildProcessError) -> pid_t {
        func failure(_ call: String, _ code: Int32) -> ChildProcessError {
            ChildProcessError(call: call, errno: code, executablePath: executablePath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #if canImport(Glibc)
        // The test runner's own descriptors (sockets of probes, other children's files) must
        // not leak into the child and keep connections alive behind a test's back.
        if let addClosefrom = glibcSymbol("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self) {
            _ = addClosefrom(&actions, 3)
        }
        if let workingDirectory {
            guard let addChdir = glibcSymbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self) else {
                throw failure("posix_spawn_file_actions_addchdir_np", ENOSYS)
            }
            _ = addChdir(&actions, workingDirectory)
        }
        #else
        if let workingDirectory {
            posix_spawn_file_actions_addchdir_np(&actions, workingDirectory)
        }
        #endif

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var merged = ProcessInfo.processInfo.environment
        for (name, value) in environment { merged[name] = value }
        var argv: [UnsafeMutablePointer<CChar>?] = ([executablePath] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }

        var pid: pid_t = 0
        let status = posix_spawn(&pid, executablePath, &actions, &attributes, &argv, &envp)
        guard status == 0 else { throw failure("posix_spawn", status) }
        return pid
    }
}
