#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Delivers process signals (SIGINT, SIGTERM, …) to a handler on an event loop.
///
/// Uses a signalfd, which only receives signals that are blocked in *every* thread; an
/// unblocked thread would take the default action (terminate) instead. Call
/// `SignalWatcher.blockSignals([SIGINT, SIGTERM])` at the very start of `main`, before any
/// other thread (event loops, Dispatch, the Swift concurrency pool) is started, so that every
/// thread inherits the blocked mask. Child processes inherit it too: a process runner must
/// reset the mask (posix_spawnattr_setsigmask) for the jobs it starts.
///
/// The watcher is loop-confined. It stays alive while registered, until `stop()` or the
/// loop's shutdown.
public final class SignalWatcher {
    /// The loop the handler runs on.
    public let eventLoop: EventLoop
    /// The signals being watched.
    public let signals: [Int32]
    private var fd: Int32
    private var registration: EventLoop.RegistrationID?
    private let handler: (Int32) -> Void

    /// Blocks `signals` for the calling thread and every thread it creates afterwards.
    ///
    /// - Throws: `SystemError` from `pthread_sigmask`.
    public static func blockSignals(_ signals: [Int32]) throws(SystemError) {
        try Syscalls.blockSignals(signals)
    }

    /// Starts watching `signals`; loop thread only.
    ///
    /// The signals are also blocked on the loop thread itself, so ones sent to that thread
    /// arrive here; process-directed signals arrive here only if every thread blocks them
    /// (see the type's documentation).
    /// - Parameters:
    ///   - loop: The loop whose thread calls `handler`.
    ///   - signals: Signal numbers, e.g. `[SIGINT, SIGTERM]`.
    ///   - handler: Called on the loop with each signal number received, in arrival order.
    /// - Throws: `SystemError` from `pthread_sigmask`, `signalfd` or `epoll_ctl`.
    public init(loop: EventLoop, signals: [Int32] = [SIGINT, SIGTERM],
                handler: @escaping (Int32) -> Void) throws(SystemError) {
        precondition(loop.inEventLoop, "SignalWatcher must be created on its event loop")
        self.eventLoop = loop
        self.signals = signals
        self.handler = handler
        try Syscalls.blockSignals(signals)
        fd = try Syscalls.makeSignalFD(signals)
        do {
            registration = try loop.register(
                fileDescriptor: fd, interest: .read,
                onReady: { [self] _ in self.drain() },
                onShutdown: { [self] in self.stop() })
        } catch {
            Syscalls.close(fd)
            fd = -1
            throw error
        }
    }

    /// Stops watching and closes the signalfd; loop thread only. Idempotent. The signals stay
    /// blocked, so they are discarded rather than killing the process.
    public func stop() {
        precondition(eventLoop.inEventLoop, "SignalWatcher.stop must be called on its event loop")
        if let registration {
            eventLoop.deregister(registration)
            self.registration = nil
        }
        if fd >= 0 {
            Syscalls.close(fd)
            fd = -1
        }
    }

    private func drain() {
        // Bounded so a signal storm cannot monopolise the loop; level-triggered readiness
        // brings the rest on the next iteration.
        for _ in 0..<64 {
            guard fd >= 0 else { return }
            let result: IOResult<Int32>
            do {
                result = try Syscalls.readSignal(fd)
            } catch {
                preconditionFailure("reading signalfd: \(error)")
            }
            guard case .processed(let signal) = result else { return }
            handler(signal)
        }
    }
}
