import Dispatch
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
/// No thread blocks per process: stdout and stderr are non-blocking pipes read by Dispatch
/// read sources, and the exit is observed through a `pidfd` read source (polled with
/// `waitpid(WNOHANG)` where `pidfd_open` is missing), all on one serial queue.
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

        public init(killGracePeriod: Duration = .seconds(5), outputDrainTimeout: Duration = .seconds(2)) {
            self.killGracePeriod = killGracePeriod; self.outputDrainTimeout = outputDrainTimeout
        }
    }

    /// What was started.
    public let spec: ProcessSpec
    public let configuration: Configuration
    /// The main process id, which is also the id of its process group.
    public let pid: Int32

    // Everything below is touched only on `queue`; that confinement is what makes the
    // class safe to share (hence @unchecked Sendable).
    private let queue: DispatchQueue
    private let output: @Sendable (ProcessOutputStream, [UInt8]) -> Void
    private var outputSources: [ProcessOutputStream: DispatchSourceRead] = [:]
    private var exitSource: DispatchSourceProtocol?
    private var termination: ProcessTermination?
    private var finished = false
    private var waiters: [CheckedContinuation<ProcessTermination, Never>] = []
    private var killTimer: DispatchWorkItem?
    private var drainTimer: DispatchWorkItem?

    /// Spawns the process and starts supervising it.
    ///
    /// - Parameters:
    ///   - spec: Program, arguments, environment and working directory.
    ///   - configuration: Grace period and output drain timeout.
    ///   - output: Receives output in the order it was read, per stream; called on the
    ///     runner's serial queue, never after `wait()` has returned.
    /// - Returns: The running process.
    /// - Throws: `ProcessRunnerError` when pipes cannot be made or `posix_spawn` fails
    ///   (missing executable, missing working directory …).
    public static func start(_ spec: ProcessSpec, configuration: Configuration = Configuration(),
                             output: @escaping @Sendable (ProcessOutputStream, [UInt8]) -> Void) throws(ProcessRunnerError) -> ProcessRunner {
        let spawned = try ProcessSpawner.spawn(spec)
        let runner = ProcessRunner(spec: spec, configuration: configuration, pid: spawned.pid, output: output)
        runner.queue.async {
            runner.watch(stdout: spawned.stdout, stderr: spawned.stderr)
        }
        return runner
    }

    private init(spec: ProcessSpec, configuration: Configuration, pid: Int32,
                 output: @escaping @Sendable (ProcessOutputStream, [UInt8]) -> Void) {
        self.spec = spec
        self.configuration = configuration
        self.pid = pid
        self.output = output
        self.queue = DispatchQueue(label: "flotilla.process.\(pid)")
    }

    /// Sends `signal` to the whole process group, then SIGKILL after the grace period if the
    /// main process is still running. Harmless after the process has exited.
    public func terminateGroup(signal: Int32 = SIGTERM) {
        queue.async { [self] in
            guard termination == nil else { return }
            kill(-pid, signal)
            guard signal != SIGKILL, killTimer == nil else { return }
            let escalate = DispatchWorkItem { [self] in
                if termination == nil { kill(-pid, SIGKILL) }
            }
            killTimer = escalate
            queue.asyncAfter(deadline: .now() + configuration.killGracePeriod.dispatchInterval, execute: escalate)
        }
    }

    /// Waits until the main process has exited and its output is drained.
    public func wait() async -> ProcessTermination {
        await withCheckedContinuation { continuation in
            queue.async { [self] in
                if finished, let termination {
                    continuation.resume(returning: termination)
                } else {
                    waiters.append(continuation)
                }
            }
        }
    }

    // MARK: Supervision (on `queue`)

    private func watch(stdout: Int32, stderr: Int32) {
        for (descriptor, stream) in [(stdout, ProcessOutputStream.stdout), (stderr, .stderr)] {
            let source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
            source.setEventHandler { [self] in readAvailable(descriptor, stream: stream) }
            source.setCancelHandler { close(descriptor) }
            outputSources[stream] = source
            source.resume()
        }
        if let pidfdOpen = LinuxProcessSymbols.shared.pidfdOpen, case let pidfd = pidfdOpen(pid, 0), pidfd >= 0 {
            let source = DispatchSource.makeReadSource(fileDescriptor: pidfd, queue: queue)
            source.setEventHandler { [self] in reap() }
            source.setCancelHandler { close(pidfd) }
            exitSource = source
            source.resume()
        } else {
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .milliseconds(20), repeating: .milliseconds(20))
            timer.setEventHandler { [self] in reap() }
            exitSource = timer
            timer.resume()
        }
    }

    private func readAvailable(_ descriptor: Int32, stream: ProcessOutputStream) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        // A few reads per event keep a chatty stream from starving the other and the exit source.
        for _ in 0..<4 {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                output(stream, Array(buffer.prefix(count)))
                continue
            }
            if count < 0 && (errno == EINTR) { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            // End of file, or an error that will not go away: this stream is done.
            closeOutput(stream)
            return
        }
    }

    private func closeOutput(_ stream: ProcessOutputStream) {
        guard let source = outputSources.removeValue(forKey: stream) else { return }
        source.cancel()
        finishIfDone()
    }

    /// Called when the pidfd is readable (or on each poll): the main process has exited.
    private func reap() {
        guard termination == nil else { return }
        let hasPidfd = exitSource is DispatchSourceRead
        // With a pidfd the exited leader is still an unreaped zombie, which keeps its pid
        // (the group id) from being reused, so the group kill cannot hit a stranger.
        if hasPidfd { kill(-pid, SIGKILL) }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, WNOHANG) } while result < 0 && errno == EINTR
        if result == 0 { return } // still running (poll fallback)
        if !hasPidfd { kill(-pid, SIGKILL) }
        // result < 0 (ECHILD: someone else reaped it) leaves no status; report a kill.
        termination = result == pid ? ProcessTermination(waitStatus: status) : .signaled(SIGKILL)
        exitSource?.cancel()
        exitSource = nil
        killTimer?.cancel()
        killTimer = nil
        if !outputSources.isEmpty {
            let stopWaiting = DispatchWorkItem { [self] in
                for source in outputSources.values { source.cancel() }
                outputSources.removeAll()
                finishIfDone()
            }
            drainTimer = stopWaiting
            queue.asyncAfter(deadline: .now() + configuration.outputDrainTimeout.dispatchInterval, execute: stopWaiting)
        }
        finishIfDone()
    }

    private func finishIfDone() {
        guard !finished, let termination, outputSources.isEmpty else { return }
        finished = true
        drainTimer?.cancel()
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

extension Duration {
    /// The duration for Dispatch deadlines, to the nanosecond.
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !nanoseconds.overflow else { return .never }
        return .nanoseconds(Int(max(0, nanoseconds.partialValue + attoseconds / 1_000_000_000)))
    }
}
