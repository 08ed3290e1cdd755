#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The floor the benchmark compares against: bash started directly with `posix_spawn`.
///
/// Same executable, arguments and kind of environment as the agent's step process
/// (`/bin/bash --noprofile --norc -eo pipefail SCRIPT`, own process group, signals reset),
/// but no coordinator, network, workspace or log pipes: stdin/stdout/stderr are `/dev/null`.
enum ReferenceSpawner {
    /// Spawns `bash` on `scriptPath` with `environment`, waits for it, and returns when the
    /// spawn began (realtime µs, read immediately before `posix_spawn`).
    ///
    /// - Throws: `BenchError.spawn` when the spawn fails or bash exits non-zero.
    static func runScript(_ scriptPath: String, environment: [String: String]) throws(BenchError) -> Int64 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

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

        let argv = ["/bin/bash", "--noprofile", "--norc", "-eo", "pipefail", scriptPath]
        var arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in arguments { free(pointer) } }
        var entries: [UnsafeMutablePointer<CChar>?] = environment.keys.sorted().map { strdup("\($0)=\(environment[$0]!)") } + [nil]
        defer { for pointer in entries { free(pointer) } }

        var pid: pid_t = 0
        let started = BenchClock.realtimeMicros()
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, &arguments, &entries)
        guard status == 0 else { throw .spawn("posix_spawn /bin/bash: \(String(cString: strerror(status)))") }
        var waitStatus: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &waitStatus, 0) } while result < 0 && errno == EINTR
        guard result == pid else { throw .spawn("waitpid \(pid): \(String(cString: strerror(errno)))") }
        // WIFEXITED && WEXITSTATUS == 0, spelled out: the macros are not imported.
        guard waitStatus & 0x7f == 0, (waitStatus >> 8) & 0xff == 0 else {
            throw .spawn("bash \(scriptPath) ended with wait status \(waitStatus)")
        }
        return started
    }

    /// Runs `count` spawns of `scriptPath` on `workers` threads; returns the wall time in µs.
    ///
    /// Each worker takes the next index and spawns-and-waits, like an agent with one slot;
    /// the first error stops further spawns and is rethrown.
    static func runConcurrently(count: Int, workers: Int, scriptPath: String,
                                environment: [String: String]) throws(BenchError) -> Int64 {
        let state = Mutex<(next: Int, error: BenchError?)>((0, nil))
        let group = DispatchGroup()
        let start = BenchClock.monotonicMicros()
        for index in 0..<workers {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while true {
                    let taken: Bool = state.withLock { state in
                        guard state.error == nil, state.next < count else { return false }
                        state.next += 1
                        return true
                    }
                    guard taken else { return }
                    do throws(BenchError) {
                        _ = try runScript(scriptPath, environment: environment)
                    } catch {
                        state.withLock { if $0.error == nil { $0.error = error } }
                        return
                    }
                }
            }
            thread.name = "bench-reference-\(index + 1)"
            thread.start()
        }
        group.wait()
        let elapsed = BenchClock.monotonicMicros() - start
        if let error = state.withLock({ $0.error }) { throw error }
        return elapsed
    }
}
