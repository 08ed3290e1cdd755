import WireProtocol

/// Drives the `Liveness` machine of one established connection on its loop: sends a
/// heartbeat after a quiet interval and closes the connection when the peer falls silent.
///
/// Loop-confined. The owner creates it when the session is established, reports every
/// received message with `messageReceived()`, and calls `stop()` when the connection ends.
public final class HeartbeatKeeper {
    private let loop: EventLoop
    private weak var connection: FramedConnection?
    private var liveness: Liveness
    private var timer: TimerHandle?
    private let onTimeout: (UInt64) -> Void
    /// Ticks at least this often, so a clock jump or a long loop turn is noticed promptly.
    private static let maxTickMillis: UInt64 = 1_000

    /// - Parameters:
    ///   - connection: the established connection (held weakly).
    ///   - welcome: the session's heartbeat interval and timeout.
    ///   - onTimeout: called with the silent time just before the connection is closed for it.
    public init(loop: EventLoop, connection: FramedConnection, welcome: Welcome, onTimeout: @escaping (UInt64) -> Void) {
        self.loop = loop
        self.connection = connection
        self.liveness = Liveness(welcome: welcome, now: loop.nowMillis())
        self.onTimeout = onTimeout
        scheduleTick()
    }

    /// Any message from the peer proves it alive.
    public func messageReceived() {
        liveness.messageReceived(now: loop.nowMillis())
    }

    /// Stops ticking; idempotent.
    public func stop() {
        if let timer { loop.cancel(timer) }
        timer = nil
        connection = nil
    }

    private func scheduleTick() {
        let delay = max(10, liveness.nextDeadline() &- loop.nowMillis())
        timer = loop.schedule(afterMillis: min(delay, Self.maxTickMillis)) { [weak self] in self?.tick() }
    }

    private func tick() {
        guard let connection, connection.isActive else { return stop() }
        let now = loop.nowMillis()
        switch liveness.tick(now: now) {
        case .none:
            break
        case .sendHeartbeat(let heartbeat):
            connection.send(.heartbeat(heartbeat))
            liveness.messageSent(now: now)
        case .timedOut(let silent):
            onTimeout(silent)
            connection.close(sending: ProtocolError.heartbeatTimeout(silentMillis: silent).replyMessage)
            return stop()
        }
        scheduleTick()
    }
}
