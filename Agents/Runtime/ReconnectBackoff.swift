/// Delays between reconnect attempts: exponential with full jitter, capped.
///
/// Full jitter (a uniform delay between 0 and the exponential bound) keeps a fleet of
/// agents that lost the coordinator at the same instant from reconnecting in lockstep.
/// Pure: the random source is passed in.
public struct ReconnectBackoff: Sendable, Equatable {
    public let initialMillis: UInt64
    public let maxMillis: UInt64
    public private(set) var failures: Int = 0

    public init(initialMillis: UInt64 = 250, maxMillis: UInt64 = 30_000) {
        precondition(initialMillis > 0 && maxMillis >= initialMillis, "backoff bounds out of order")
        self.initialMillis = initialMillis
        self.maxMillis = maxMillis
    }

    /// The bound for the next delay, before jitter.
    public var currentBoundMillis: UInt64 {
        let shift = min(failures, 20)
        let (scaled, overflow) = initialMillis.multipliedReportingOverflow(by: UInt64(1) << UInt64(shift))
        return overflow ? maxMillis : min(scaled, maxMillis)
    }

    /// Records a failed attempt and returns how long to wait before the next one.
    ///
    /// - Parameter random: a value in `0..<1`.
    public mutating func nextDelay(random: Double) -> UInt64 {
        let bound = currentBoundMillis
        failures += 1
        let fraction = min(max(random, 0), 0.999_999)
        // Never zero: a tight reconnect loop against a refusing coordinator helps nobody.
        return max(max(1, initialMillis / 2), UInt64(Double(bound) * fraction))
    }

    /// A session was established: start again from the smallest delay.
    public mutating func reset() { failures = 0 }
}
