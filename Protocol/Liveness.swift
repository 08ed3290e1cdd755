/// What the driver must do when the liveness timer fires.
public enum LivenessAction: Sendable, Equatable {
    /// Nothing is due.
    case none
    /// This side has been quiet for an interval: send this heartbeat.
    case sendHeartbeat(Heartbeat)
    /// The peer has been silent past the timeout: send `ProtocolError.heartbeatTimeout`'s
    /// reply and close.
    case timedOut(silentMillis: UInt64)
}

/// Heartbeats and idle timeout for one established connection, on either side.
///
/// Any frame proves liveness, not only heartbeats: `messageReceived` restarts the timeout
/// and `messageSent` restarts the send interval, so a busy connection sends no heartbeats.
/// Time is milliseconds from an arbitrary monotonic origin, passed in; a `now` earlier than
/// a previous one counts as no time passing. Once timed out the machine stays timed out.
public struct Liveness: Sendable, Equatable {
    /// Quiet time on the send side after which a heartbeat is due.
    public let intervalMillis: UInt64
    /// Silence on the receive side after which the peer is considered gone.
    public let timeoutMillis: UInt64
    /// When the peer was last heard from.
    public private(set) var lastReceivedMillis: UInt64
    /// When this side last sent anything.
    public private(set) var lastSentMillis: UInt64
    /// The sequence number of the next heartbeat; starts at 0 and increases by one.
    public private(set) var nextSequence: UInt64 = 0
    /// Whether the timeout has fired.
    public private(set) var isTimedOut = false

    /// Starts the clocks at `now`, as if a message had just gone each way.
    /// - Parameters:
    ///   - intervalMillis: Heartbeat interval; must be positive.
    ///   - timeoutMillis: Idle timeout; must exceed the interval.
    ///   - now: The current monotonic time in milliseconds.
    public init(intervalMillis: UInt64, timeoutMillis: UInt64, now: UInt64) {
        precondition(intervalMillis > 0, "heartbeat interval must be positive")
        precondition(timeoutMillis > intervalMillis, "heartbeat timeout must exceed the interval")
        self.intervalMillis = intervalMillis
        self.timeoutMillis = timeoutMillis
        self.lastReceivedMillis = now
        self.lastSentMillis = now
    }

    /// Starts the clocks with the contract a Welcome announced.
    public init(welcome: Welcome, now: UInt64) {
        self.init(intervalMillis: UInt64(welcome.heartbeatIntervalMillis),
                  timeoutMillis: UInt64(welcome.heartbeatTimeoutMillis), now: now)
    }

    /// Records that a frame (of any type) arrived from the peer.
    public mutating func messageReceived(now: UInt64) {
        guard !isTimedOut else { return }
        lastReceivedMillis = max(lastReceivedMillis, now)
    }

    /// Records that a frame (of any type) was sent to the peer.
    public mutating func messageSent(now: UInt64) {
        lastSentMillis = max(lastSentMillis, now)
    }

    /// Checks both clocks; call it at `nextDeadline()` (calling earlier or later is harmless).
    ///
    /// A returned heartbeat counts as sent at `now`.
    public mutating func tick(now: UInt64) -> LivenessAction {
        let silent = elapsed(since: lastReceivedMillis, now: now)
        if isTimedOut || silent >= timeoutMillis {
            isTimedOut = true
            return .timedOut(silentMillis: silent)
        }
        guard elapsed(since: lastSentMillis, now: now) >= intervalMillis else { return .none }
        let heartbeat = Heartbeat(sequence: nextSequence)
        nextSequence &+= 1
        lastSentMillis = max(lastSentMillis, now)
        return .sendHeartbeat(heartbeat)
    }

    /// The earliest time at which `tick` can return something other than `.none`.
    public func nextDeadline() -> UInt64 {
        // Already due: the driver should tick (and close) at once.
        if isTimedOut { return lastReceivedMillis }
        let timeout = lastReceivedMillis.addingReportingOverflow(timeoutMillis)
        let heartbeat = lastSentMillis.addingReportingOverflow(intervalMillis)
        return min(timeout.overflow ? .max : timeout.partialValue,
                   heartbeat.overflow ? .max : heartbeat.partialValue)
    }

    private func elapsed(since start: UInt64, now: UInt64) -> UInt64 {
        now > start ? now - start : 0
    }
}
