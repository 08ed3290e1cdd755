import FlotillaNet
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Starts one process in its own process group and supervises it until it and its output are done.
///
/// The runner knows nothing of jobs or networks: output goes to a sink closure, the end is
/// reported to `wait()`. The child is spawned with `posix_spawn` (not Foundation.Process)
/// so that it gets exactly the environment given, stdin from `/dev/null`, a fresh process
/// group (`POSIX_SPAWN_SETPGROUP`, pgid = pid), an empty signal mask and default signal
/// dispositions (the agent may block SIGINT/SIGTERM for a signalfd), and no inherited
/// descriptor beyond 0–2.
///
/// No thread blocks per process: stdout and stderr are non-blocking pipes and the exit is
/// a `pidfd` (polled with `waitpid(WNOHANG)` where `pidfd_open` is missing), all watched
/// by one FlotillaNet `EventLoop` thread shared by every runner. (Not Dispatch read
/// sources: on Linux, libdispatch's epoll bookkeeping crashes under concurrent source
/// setup and teardown, swiftlang/swift-corelibs-libdispatch#949.)
///
/// When the main process exits, whatever is left in its process group is killed with
/// SIGKILL, so no background child outlives the step. A process that calls `setsid` (or
/// `setpgid`) leaves the group and escapes this; if it keeps the output pipes open, the
/// runner stops waiting for end-of-file after `outputDrainTimeout`.
public final class ProcessRunner: @unchecked Sendable {
    /// Timing knobs.
    public struct Configuration: Sendable, Equatable {
        /// Time between the signal sent by `terminateGroup` and SIGKILL to the group.
        public var killGracePeriod: Duration
        /// How long to keep reading output after the main process exited and its group was killed.
        public var outputDrainTimeout: Duration
        /// Watch exits through a pidfd when the kernel and C library offer one; tests turn it
        /// off to exercise the `waitpid(WNOHANG)` polling fallback.
        var usePidfd = true

        public init(killGracePeriod: Duration = .seconds(5), outputDrainTimeout: Duration = .seconds(2)) {
            self.killGracePeriod = killGracePeriod; self.outputDrainTimeout = outputDrainTimeout
        }
    }

    /// What was started.
    public let spec: ProcessSpec
    public let configuration: Configuration
    /// The main process id, which is also the id of its process group.
    public let pid: Int32

    // Everything below is touched only on `loop`'s thread; that confinement is what makes
    // the class safe to share (hence @unchecked Sendable).
    private let loop: EventLoop
    private let output: @Sendable (ProcessOutputStream, [UInt8]) -> Void
    private var outputs: [ProcessOutputStream: (descriptor: Int32, registration: EventLoop.RegistrationID)] = [:]
    private var exitWatch: ExitWatch?
    private var termination: ProcessTermination?
    private var finished = false
    private var waiters: [CheckedContinuation<ProcessTermination, Never>] = []
    private var killTimer: TimerHandle?
    private var drainTimer: TimerHandle?

    private enum ExitWatch {
        case pidfd(Int32, EventLoop.RegistrationID)
        case polling(TimerHandle)
    }

    /// Spawns the process and starts supervising it.
    ///
    /// - Parameters:
    ///   - spec: Program, arguments, environment and working directory.
    ///   - configuration: Grace period and output drain timeout.
    ///   - eventLoop: The loop that watches the pipes and the exit; nil uses one loop thread
    ///     shared by all runners.
    ///   - output: Receives output in the order it was read, per stream; called on the
    ///     event loop's thread, never after `wait()` has returned. It must not block.
    /// - Returns: The running process.
    /// - Throws: `ProcessRunnerError` when pipes cannot be made, `posix_spawn` fails
    ///   (missing executable, missing working directory …) or the event loop is unusable.
    public static func start(_ spec: ProcessSpec, configuration: Configuration = Configuration(), eventLoop: EventLoop? = nil,
                             output: @escaping @Sendable (ProcessOutputStream, [UInt8]) -> Void) throws(ProcessRunnerError) -> ProcessRunner {
        let loop: EventLoop
        if let eventLoop { loop = eventLoop } else { loop = try sharedEventLoop(for: spec) }
        let spawned = try ProcessSpawner.spawn(spec)
        let runner = ProcessRunner(spec: spec, configuration: configuration, pid: spawned.pid, loop: loop, output: output)
        guard loop.execute({ runner.watch(stdout: spawned.stdout, stderr: spawned.stderr) }) else {
            // The loop stopped under us: nothing can supervise the child, so it must not run.
            kill(-spawned.pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(spawned.pid, &status, 0) < 0 && errno == EINTR {}
            close(spawned.stdout)
            close(spawned.stderr)
            throw ProcessRunnerError(call: "EventLoop.execute", errno: ESHUTDOWN, executablePath: spec.executablePath,
                                     workingDirectory: spec.workingDirectory)
        }
        return runner
    }

    private init(spec: ProcessSpec, configuration: Configuration, pid: Int32, loop: EventLoop,
                 output: @escaping @Sendable (ProcessOutputStream, [UInt8]) -> Void) {
        self.spec = spec
        self.configuration = configuration
        self.pid = pid
        self.loop = loop
        self.output = output
    }

    private static let shared = Mutex<EventLoop?>(nil)

    /// The loop thread all runners share unless given one, started on first use.
    private static func sharedEventLoop(for spec: ProcessSpec) throws(ProcessRunnerError) -> EventLoop {
        let result: Result<EventLoop, SystemError> = shared.withLock { loop in
            if let loop { return .success(loop) }
            do throws(SystemError) {
                let started = try EventLoop.startOnNewThread(name: "flotilla-processes")
                loop = started
                return .success(started)
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let loop): return loop
        case .failure(let error):
            throw ProcessRunnerError(call: error.call, errno: error.errno, executablePath: spec.executablePath,
                                     workingDirectory: spec.workingDirectory)
        }
    }

    /// Sends `signal` to the whole process group, then SIGKILL after the grace period if the
    /// main process is still running. Harmless after the process has exited.
    public func terminateGroup(signal: Int32 = SIGTERM) {
        loop.execute { [self] in
            guard termination == nil else { return }
            kill(-pid, signal)
            guard signal != SIGKILL, killTimer == nil else { return }
            killTimer = loop.schedule(afterMillis: configuration.killGracePeriod.millis) { [self] in
                if termination == nil { kill(-pid, SIGKILL) }
            }
        }
    }

    /// Waits until the main process has exited and its output is drained.
    public func wait() async -> ProcessTermination {
        await withCheckedContinuation { continuation in
            loop.execute { [self] in
                if finished, let termination {
                    continuation.resume(returning: termination)
                } else {
                    waiters.append(continuation)
                }
            }
        }
    }

    // MARK: Supervision (on the loop thread)

    private func watch(stdout: Int32, stderr: Int32) {
        for (descriptor, stream) in [(stdout, ProcessOutputStream.stdout), (stderr, .stderr)] {
            do {
                let registration = try loop.register(fileDescriptor: descriptor, interest: .read,
                                                     onReady: { [self] _ in readAvailable(stream) },
                                                     onShutdown: { [self] in closeOutput(stream) })
                outputs[stream] = (descriptor, registration)
            } catch {
                close(descriptor) // unwatchable: the child sees EPIPE rather than the agent hanging
            }
        }
        if configuration.usePidfd, let pidfdOpen = LinuxProcessSymbols.shared.pidfdOpen, case let pidfd = pidfdOpen(pid, 0), pidfd >= 0 {
            if let registration = try? loop.register(fileDescriptor: pidfd, interest: .read, onReady: { [self] _ in reap() },
                                                     onShutdown: { [self] in stopWatchingExit() }) {
                exitWatch = .pidfd(pidfd, registration)
                return
            }
            close(pidfd)
        }
        pollForExit()
    }

    private func pollForExit() {
        exitWatch = .polling(loop.schedule(afterMillis: 20) { [self] in
            reap()
            if termination == nil { pollForExit() }
        })
    }

    private func stopWatchingExit() {
        switch exitWatch {
        case .pidfd(let descriptor, let registration)?:
            loop.deregister(registration)
            close(descriptor)
        case .polling(let timer)?:
            loop.cancel(timer)
        case nil:
            break
        }
        exitWatch = nil
    }

    private func readAvailable(_ stream: ProcessOutputStream) {
        guard let descriptor = outputs[stream]?.descriptor else { return }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // A few reads per wake-up keep a chatty stream from starving the other and the exit.
        for _ in 0..<4 {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                output(stream, Array(buffer.prefix(count)))
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            // End of file, or an error that will not go away: this stream is done.
            closeOutput(stream)
            return
        }
    }

    private func closeOutput(_ stream: ProcessOutputStream) {
        guard let (descriptor, registration) = outputs.removeValue(forKey: stream) else { return }
        loop.deregister(registration)
        close(descriptor)
        finishIfDone()
    }

    /// Called when the pidfd is readable (or on each poll): has the main process exited?
    private func reap() {
        guard termination == nil else { return }
        let watchesPidfd: Bool
        if case .pidfd? = exitWatch { watchesPidfd = true } else { watchesPidfd = false }
        // With a pidfd the exited leader is still an unreaped zombie, which keeps its pid
        // (the group id) from being reused, so the group kill cannot hit a stranger.
        if watchesPidfd { kill(-pid, SIGKILL) }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, WNOHANG) } while result < 0 && errno == EINTR
        if result == 0 { return } // still running (poll fallback)
        if !watchesPidfd { kill(-pid, SIGKILL) }
        // result < 0 (ECHILD: someone else reaped it) leaves no status; report a kill.
        termination = result == pid ? ProcessTermination(waitStatus: status) : .signaled(SIGKILL)
        stopWatchingExit()
        if let killTimer { loop.cancel(killTimer) }
        killTimer = nil
        if !outputs.isEmpty {
            drainTimer = loop.schedule(afterMillis: configuration.outputDrainTimeout.millis) { [self] in
                drainTimer = nil
                for stream in Array(outputs.keys) { closeOutput(stream) }
            }
        }
        finishIfDone()
    }

    private func finishIfDone() {
        guard !finished, let termination, outputs.isEmpty else { return }
        finished = true
        if let drainTimer { loop.cancel(drainTimer) }
        drainTimer = nil
        for waiter in waiters { waiter.resume(returning: termination) }
        waiters.removeAll()
    }
}

/// Which pipe output came from.
public enum ProcessOutputStream: Sendable, Hashable {
    case stdout
    case stderr
}
