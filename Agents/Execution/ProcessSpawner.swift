#if canImport(Glibc)
import Glibc

/// The `posix_spawn` call behind `ProcessRunner`: pipes, file actions and attributes.
enum ProcessSpawner {
    struct Spawned {
        var pid: pid_t
        /// Non-blocking read ends of the child's stdout and stderr.
        var stdout: Int32
        var stderr: Int32
    }

    static func spawn(_ spec: ProcessSpec) throws(ProcessRunnerError) -> Spawned {
        func failure(_ call: String, _ code: Int32) -> ProcessRunnerError {
            ProcessRunnerError(call: call, errno: code, executablePath: spec.executablePath, workingDirectory: spec.workingDirectory)
        }
        let symbols = LinuxProcessSymbols.shared
        guard let stdoutPipe = symbols.closeOnExecPipe() else { throw failure("pipe2", errno) }
        guard let stderrPipe = symbols.closeOnExecPipe() else {
            let code = errno
            close(stdoutPipe.read); close(stdoutPipe.write)
            throw failure("pipe2", code)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, 2)
        // Belt and braces: descriptors other code opened without CLOEXEC (sockets, logs)
        // must not leak into build scripts.
        if let addClosefrom = symbols.addClosefrom { _ = addClosefrom(&actions, 3) }
        if let directory = spec.workingDirectory {
            guard let addChdir = symbols.addChdir else {
                close(stdoutPipe.read); close(stdoutPipe.write); close(stderrPipe.read); close(stderrPipe.write)
                throw failure("posix_spawn_file_actions_addchdir_np", ENOSYS)
            }
            _ = addChdir(&actions, directory)
        }

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

        var arguments: [UnsafeMutablePointer<CChar>?] = ([spec.executablePath] + spec.arguments).map { strdup($0) } + [nil]
        defer { for pointer in arguments { free(pointer) } }
        var environment: [UnsafeMutablePointer<CChar>?] = spec.environmentEntries().map { strdup($0) } + [nil]
        defer { for pointer in environment { free(pointer) } }

        var pid: pid_t = 0
        let status = posix_spawn(&pid, spec.executablePath, &actions, &attributes, &arguments, &environment)
        close(stdoutPipe.write)
        close(stderrPipe.write)
        guard status == 0 else {
            close(stdoutPipe.read); close(stderrPipe.read)
            throw failure("posix_spawn", status)
        }
        for descriptor in [stdoutPipe.read, stderrPipe.read] {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
        return Spawned(pid: pid, stdout: stdoutPipe.read, stderr: stderrPipe.read)
    }
}
#endif
