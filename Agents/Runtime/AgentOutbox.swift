import WireProtocol

/// What an agent owes the coordinator across a lost connection: the job events produced while
/// disconnected, and the results it cannot be sure were processed.
///
/// Agents keep running their jobs when the coordinator goes away (it may be restarting). The
/// events of that time are held here, in order, and sent once a session is back; the jobs they
/// belong to are listed in `Hello.runningJobs` so the coordinator can claim them. The store
/// on the other side records results and log chunks idempotently (by attempt and sequence), so
/// sending one twice is harmless; losing one is not.
///
/// A result sent on a live connection is only known to be processed once that connection has
/// outlived it by `retentionMillis`: a coordinator killed right after the bytes left can have
/// lost it. Such results are resent after the next reconnect. Log chunks are bounded by
/// `maxLogBytes`; beyond it, further chunks are dropped and counted (a job's events and
/// result never are). Pure: time is passed in.
struct AgentOutbox {
    let maxLogBytes: Int
    let retentionMillis: UInt64
    /// Held while disconnected, oldest first.
    private(set) var held: [Message] = []
    private var heldLogBytes = 0
    /// Log bytes dropped because the buffer was full, per job attempt.
    private(set) var droppedLogBytes: [JobRef: Int] = [:]
    /// Results sent on the current connection, newest last, with when.
    private var recentResults: [(result: JobFinished, sentAt: UInt64)] = []

    init(maxLogBytes: Int = 32 << 20, retentionMillis: UInt64 = 30_000) {
        self.maxLogBytes = maxLogBytes
        self.retentionMillis = retentionMillis
    }

    /// Keeps a job event for the next session.
    mutating func hold(_ message: Message) {
        if case .logChunk(let chunk) = message {
            guard heldLogBytes + chunk.data.count <= maxLogBytes else {
                droppedLogBytes[chunk.job, default: 0] += chunk.data.count
                return
            }
            heldLogBytes += chunk.data.count
        }
        held.append(message)
    }

    /// A message went out on a live connection at `now`.
    mutating func sent(_ message: Message, now: UInt64) {
        forgetDelivered(now: now)
        if case .jobFinished(let result) = message { recentResults.append((result, now)) }
    }

    /// Results older than the retention on a connection that stayed up were processed.
    mutating func forgetDelivered(now: UInt64) {
        while let first = recentResults.first, now >= first.sentAt + retentionMillis { recentResults.removeFirst() }
    }

    /// The connection dropped at `now`: results it may not have delivered go back in front of
    /// anything held since.
    mutating func connectionLost(now: UInt64) {
        forgetDelivered(now: now)
        held = recentResults.map { .jobFinished($0.result) } + held
        recentResults.removeAll()
    }

    /// Attempts whose result is held: finished here, not known to be recorded there.
    var heldResults: [JobRef] {
        held.compactMap { if case .jobFinished(let result) = $0 { return result.job } else { return nil } }
    }

    /// Everything held, in order, for a new session; the outbox is empty afterwards.
    mutating func takeHeld() -> [Message] {
        defer { held.removeAll(); heldLogBytes = 0; droppedLogBytes.removeAll() }
        return held
    }
}
