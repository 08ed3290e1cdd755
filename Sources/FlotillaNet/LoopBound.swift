/// Carries a loop-confined value through `@Sendable` closures.
///
/// The value may only be touched on its event loop's thread; every access checks
/// `precondition(eventLoop.inEventLoop)`. That check is what makes `@unchecked Sendable`
/// sound: the wrapper may travel to other threads, the value is never used there.
///
/// ```swift
/// let bound = LoopBound(connection, eventLoop: loop)
/// loop.execute { bound.value.send(.heartbeat(Heartbeat(sequence: 1))) }
/// ```
public struct LoopBound<Value>: @unchecked Sendable {
    /// The loop whose thread may access `value`.
    public let eventLoop: EventLoop
    private var storage: Value

    /// Wraps `value`; must be called on `eventLoop`'s thread.
    public init(_ value: Value, eventLoop: EventLoop) {
        precondition(eventLoop.inEventLoop, "LoopBound created off its event loop")
        self.eventLoop = eventLoop
        self.storage = value
    }

    /// The wrapped value; only on the loop's thread.
    public var value: Value {
        get {
            precondition(eventLoop.inEventLoop, "LoopBound value read off its event loop")
            return storage
        }
        set {
            precondition(eventLoop.inEventLoop, "LoopBound value written off its event loop")
            storage = newValue
        }
    }
}

/// Lets the loop queue a non-Sendable closure to itself; only ever run on the loop thread.
private struct LoopLocalTask: @unchecked Sendable {
    let body: () -> Void
}

extension EventLoop {
    /// Queues `task` to run later on this loop; loop thread only.
    ///
    /// Used to call delegates outside the call that caused the event, so `close()` or
    /// `send()` never re-enter the caller's delegate. Unlike timers, queued tasks still run
    /// during shutdown.
    func enqueueLocal(_ task: @escaping () -> Void) {
        precondition(inEventLoop, "enqueueLocal off the event loop")
        let wrapped = LoopLocalTask(body: task)
        execute { wrapped.body() }
    }
}
