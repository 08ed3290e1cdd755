import Foundation

/// A monotonic millisecond clock that moves only when a test says so.
///
/// Protocol and runtime code take time as `now:` milliseconds; tests hand them
/// `clock.nowMillis` (or the `now` closure) and advance it explicitly, so timeouts are tested
/// without sleeping. Thread-safe, so a driver on another thread may read it.
public final class ManualClock: @unchecked Sendable {
    // NSLock rather than Synchronization.Mutex: Mutex needs macOS 15, the package targets 14.
    private let lock = NSLock()
    private var millis: UInt64

    /// Creates a clock reading `startMillis`.
    public init(startMillis: UInt64 = 0) {
        millis = startMillis
    }

    /// The current reading in milliseconds.
    public var nowMillis: UInt64 {
        lock.lock()
        defer { lock.unlock() }
        return millis
    }

    /// A closure reading the clock, for code that takes a time source.
    public var now: @Sendable () -> UInt64 {
        { [self] in nowMillis }
    }

    /// Moves the clock forward.
    public func advance(byMillis delta: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        millis += delta
    }

    /// Sets the clock; it must not go backwards, since the clocks it stands for are monotonic.
    public func set(toMillis value: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        precondition(value >= millis, "ManualClock is monotonic: \(value) < \(millis)")
        millis = value
    }
}
