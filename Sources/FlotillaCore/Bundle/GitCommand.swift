#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `git` synchronously and captures its output; the only subprocess the bundle code starts.
///
/// posix_spawn rather than Foundation.Process so no run loop or helper thread is involved
/// and the child's signal mask is reset even when the caller blocks signals for signalfd.
enum GitCommand {
    struct Output {
        var status: Int32
        var stdout: [UInt8]
        var stderr: String
    }

    /// Runs `git -C directory arguments…`; nil when git cannot be started at all.
    static func run(_ arguments: [String], in directory: String) -> Output? {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { return nil }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            return nil
        }
        // Without pipe2 (not exported to Swift) the descriptors are briefly inheritable; CLOEXEC
        // right away keeps them out of any later child.
        for descriptor in outPipe + errPipe { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        defer { close(outPipe[0]); close(errPipe[0]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaultSignals = sigset_t()
        sigfillset(&defaultSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ["git", "-C", directory] + arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        // Optional locks off: a read-only `git status` must not take index.lock from under the user.
        let environment = currentEnvironment().filter { !$0.hasPrefix("GIT_OPTIONAL_LOCKS=") } + ["GIT_OPTIONAL_LOCKS=0"]
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for pointer in cEnvironment { free(pointer) } }

        var pid: pid_t = 0
        let spawnStatus = posix_spawnp(&pid, "git", &actions, &attributes, &cArguments, &cEnvironment)
        close(outPipe[1])
        close(errPipe[1])
        guard spawnStatus == 0 else { return nil }

        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        drain(outPipe[0], into: &stdout, and: errPipe[0], into: &stderr)

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let stderrText = String(decoding: stderr.prefix(4096), as: UTF8.self)
            .trimmingSuffix(while: { $0 == "\n" || $0 == " " })
        return Output(status: exitStatus, stdout: stdout, stderr: stderrText)
    }

    /// Reads both descriptors to end of file without letting either pipe fill up.
    private static func drain(_ first: Int32, into firstBytes: inout [UInt8], and second: Int32, into secondBytes: inout [UInt8]) {
        var descriptors = [pollfd(fd: first, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: second, events: Int16(POLLIN), revents: 0)]
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while descriptors.contains(where: { $0.fd >= 0 }) {
            let ready = poll(&descriptors, nfds_t(descriptors.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            for index in descriptors.indices where descriptors[index].fd >= 0 && descriptors[index].revents != 0 {
                let result = chunk.withUnsafeMutableBytes { BundleSyscalls.readSome(descriptors[index].fd, into: $0) }
                guard case .success(let count) = result, count > 0 else {
                    descriptors[index].fd = -1
                    continue
                }
                if index == 0 { firstBytes.append(contentsOf: chunk.prefix(count)) } else { secondBytes.append(contentsOf: chunk.prefix(count)) }
            }
        }
    }

    private static func currentEnvironment() -> [String] {
        var result: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            result.append(String(cString: entry))
            cursor += 1
        }
        return result
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = Substring(self)
        while let last = text.last, predicate(last) { text = text.dropLast() }
        return String(text)
    }
}
