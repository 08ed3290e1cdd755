import Dispatch
import Foundation
import Synchronization

/// One thread multiplexing sockets, timers and submitted tasks with epoll.
///
/// **Confinement.** Everything except `execute`, `submit`, `shutdown`, `waitUntilStopped`,
/// `inEventLoop` and `nowMillis` must be called on the loop's thread (checked with
/// `precondition(inEventLoop)`): registrations, timers, and every object built on them
/// (`FramedConnection`, `FramedServer`, `SignalWatcher`) are only touched there, so none of
/// them needs a lock. That invariant is why the class can be `@unchecked Sendable`: the only
/// state other threads reach is behind `shared` (a `Mutex`) and `loopThread` (an `Atomic`).
///
/// **Tasks.** `execute` appends to an unbounded FIFO and wakes the loop through an eventfd.
/// The queue is unbounded on purpose: dropping a task would lose work silently and blocking
/// the caller could deadlock a thread the loop is waiting on. Producers that can outrun the
/// loop (log streaming) must apply their own back-pressure, e.g. `FramedConnection.onWritable`.
///
/// **Readiness.** File descriptors are registered level-triggered: a handler that leaves
/// data unread is called again on the next iteration, so handlers may bound the work they do
/// per call for fairness. A handler that cannot make progress must change its interest.
///
/// **Shutdown.** `shutdown()` (any thread) makes `run()` run the queued tasks, call every
/// registration's `onShutdown` (whose owner closes its descriptor), drop pending timers and
/// return. Tasks submitted after that are refused (`execute` returns false).
public final class EventLoop: @unchecked Sendable {
    private enum Lifecycle { case idle, running, stopping, stopped }

    /// The state other threads touch.
    private struct Shared {
        var lifecycle = Lifecycle.idle
        var tasks: [@Sendable () -> Void] = []
        /// True while a wake-up is written to the eventfd but its tasks are not yet taken.
        var wakeupPending = false
    }

    private let shared = Mutex(Shared())
    private let loopThread = Atomic<UInt>(0)
    private let stoppedGroup = DispatchGroup()
    let epollFD: Int32
    private let wakeFD: Int32
    private static let wakeToken: UInt64 = 0

    // Loop-confined state.
    var registrations: [UInt64: Registration] = [:]
    var nextRegistrationToken: UInt64 = 1
    var timers = TimerQueue()
    private let events = EpollEventBuffer(capacity: 256)
    /// Socket reads land here; shared by every connection of the loop, since only one
    /// handler runs at a time and none keeps the bytes past its call.
    let readScratch: UnsafeMutableRawBufferPointer
    /// Decrypted bytes on their way to a frame decoder; taken and returned by each reader.
    var plaintextScratch: [UInt8] = []

    /// Creates a loop; it does nothing until `run()` is called on some thread.
    ///
    /// - Throws: `SystemError` when the epoll instance or the wake-up eventfd cannot be created.
    public init() throws(SystemError) {
        epollFD = try Syscalls.epollCreate()
        do {
            wakeFD = try Syscalls.makeEventFD()
        } catch {
            Syscalls.close(epollFD)
            throw error
        }
        do {
            try Syscalls.epollControl(epollFD, fd: wakeFD, interest: .read, token: Self.wakeToken, add: true)
        } catch {
            Syscalls.close(wakeFD)
            Syscalls.close(epollFD)
            throw error
        }
        readScratch = .allocate(byteCount: 64 * 1024, alignment: 16)
        stoppedGroup.enter()
    }

    deinit {
        // Closed here, not when run() returns, so a late `execute` never writes to a
        // descriptor number that was reused.
        Syscalls.close(wakeFD)
        Syscalls.close(epollFD)
        readScratch.deallocate()
    }

    /// Creates a loop and runs it on a new thread named `name`.
    ///
    /// - Returns: The loop, once its thread is inside `run()` (`inEventLoop` works).
    /// - Throws: `SystemError` when the loop cannot be created.
    public static func startOnNewThread(name: String) throws(SystemError) -> EventLoop {
        let loop = try EventLoop()
        let started = DispatchSemaphore(value: 0)
        let thread = Thread {
            Thread.current.name = name
            loop.run(onStarted: { started.signal() })
        }
        thread.start()
        started.wait()
        return loop
    }

    /// True when called on the thread currently running this loop.
    public var inEventLoop: Bool {
        loopThread.load(ordering: .acquiring) == Syscalls.currentThreadID()
    }

    /// Milliseconds on the monotonic clock; the time base of `schedule(afterMillis:)`.
    public func nowMillis() -> UInt64 { Syscalls.monotonicMillis() }

    /// Runs the loop on the calling thread until `shutdown()`; returns at once if the loop
    /// was already shut down. Calling it twice concurrently is a programming error.
    public func run() { run(onStarted: nil) }

    private func run(onStarted: (() -> Void)?) {
        let proceed = shared.withLock { shared -> Bool in
            switch shared.lifecycle {
            case .idle: shared.lifecycle = .running; return true
            case .stopped: return false
            case .running, .stopping: preconditionFailure("EventLoop.run() called while it is already running")
            }
        }
        guard proceed else { onStarted?(); return }
        loopThread.store(Syscalls.currentThreadID(), ordering: .releasing)
        onStarted?()
        while runOneIteration() {}
        runShutdownSequence()
        loopThread.store(0, ordering: .releasing)
        stoppedGroup.leave()
    }

    /// Asks the loop to stop; returns immediately (use `waitUntilStopped` to wait).
    /// Safe from any thread, including the loop's, and idempotent.
    public func shutdown() {
        let action = shared.withLock { shared -> Int in
            switch shared.lifecycle {
            case .idle: shared.lifecycle = .stopped; return 1
            case .running: shared.lifecycle = .stopping; return 2
            case .stopping, .stopped: return 0
            }
        }
        if action == 1 { stoppedGroup.leave() }
        if action == 2 { wake() }
    }

    /// Blocks until `run()` has returned after `shutdown()`. Must not be called on the loop.
    public func waitUntilStopped() {
        precondition(!inEventLoop, "waitUntilStopped() on the loop's own thread would deadlock")
        stoppedGroup.wait()
    }

    /// Queues `task` to run on the loop thread, after every task queued before it.
    ///
    /// Safe from any thread. Tasks queued before `run()` starts run once it does.
    /// - Returns: False (and the task is dropped) when the loop has already stopped.
    @discardableResult
    public func execute(_ task: @escaping @Sendable () -> Void) -> Bool {
        let outcome = shared.withLock { shared -> Bool? in
            guard shared.lifecycle != .stopped else { return nil }
            shared.tasks.append(task)
            if shared.wakeupPending { return false }
            shared.wakeupPending = true
            return true
        }
        guard let needsWake = outcome else { return false }
        if needsWake { wake() }
        return true
    }

    /// Runs `body` on the loop and returns its result to an async caller.
    ///
    /// - Throws: `EventLoopError.shutDown` when the loop has stopped, or what `body` throws.
    public func submit<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let queued = execute {
                continuation.resume(with: Result { try body() })
            }
            if !queued { continuation.resume(throwing: EventLoopError.shutDown) }
        }
    }

    private func wake() {
        do {
            try Syscalls.signalEventFD(wakeFD)
        } catch {
            preconditionFailure("cannot wake event loop: \(error)")
        }
    }

    // MARK: - The loop

    /// One epoll wait plus the readiness handlers, due timers and queued tasks it enables.
    /// - Returns: False once `shutdown()` was requested.
    private func runOneIteration() -> Bool {
        let timeout = timers.millisUntilNextDeadline(now: nowMillis())
        let count: Int
        do {
            count = try Syscalls.epollWait(epollFD, into: events, timeoutMillis: timeout)
        } catch {
            preconditionFailure("event loop cannot wait: \(error)")
        }
        for index in 0..<count {
            let token = events.token(at: index)
            if token == Self.wakeToken {
                drainWakeups()
            } else if let registration = registrations[token] {
                // Looked up per event: an earlier handler in this batch may have removed it.
                registration.onReady(events.readiness(at: index))
            }
        }
        runDueTimers()
        runQueuedTasks()
        return shared.withLock { $0.lifecycle == .running }
    }

    private func drainWakeups() {
        do {
            try Syscalls.drainEventFD(wakeFD)
        } catch {
            preconditionFailure("cannot drain event loop wake-ups: \(error)")
        }
    }

    private func runQueuedTasks() {
        let batch = shared.withLock { shared -> [@Sendable () -> Void] in
            shared.wakeupPending = false
            let tasks = shared.tasks
            shared.tasks = []
            return tasks
        }
        for task in batch { task() }
    }

    private func runDueTimers() {
        let now = nowMillis()
        // Timers a handler schedules now wait for the next iteration, so a timer that keeps
        // rescheduling itself with zero delay cannot starve I/O.
        let limit = timers.nextSequence
        while let task = timers.popDue(now: now, scheduledBefore: limit) { task() }
    }

    /// Closes every registration through its owner, bounded in rounds because an owner's
    /// close callback may queue tasks (or, oddly, register) again.
    private func runShutdownSequence() {
        var round = 0
        while true {
            runQueuedTasks()
            closeAllRegistrations()
            round += 1
            let dropped = shared.withLock { shared -> [@Sendable () -> Void]? in
                guard shared.tasks.isEmpty || round >= Self.maxShutdownRounds else { return nil }
                shared.lifecycle = .stopped
                let rest = shared.tasks
                shared.tasks = []
                return rest
            }
            if dropped != nil { break }
        }
        timers.removeAll()
    }

    private static let maxShutdownRounds = 16

    private func closeAllRegistrations() {
        var round = 0
        while !registrations.isEmpty && round < Self.maxShutdownRounds {
            round += 1
            for token in registrations.keys.sorted() {
                guard let registration = registrations[token] else { continue }
                registration.onShutdown()
                // An owner that did not deregister in its callback is deregistered anyway,
                // so the loop drops its closures (and the cycles through them).
                if registrations[token] != nil { deregister(RegistrationID(token: token)) }
            }
        }
    }
}

/// Why an `EventLoop` refused work.
public enum EventLoopError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The loop has stopped; nothing submitted now will run.
    case shutDown

    public var description: String { "the event loop has shut down" }
}
