/// Identifies a scheduled timer so it can be cancelled.
public struct TimerHandle: Hashable, Sendable {
    let id: UInt64
}

extension EventLoop {
    /// Runs `task` on the loop after `afterMillis` milliseconds; loop thread only.
    ///
    /// Timers due at the same millisecond run in the order they were scheduled. The delay
    /// is a lower bound: a busy loop runs the timer late, never early.
    @discardableResult
    public func schedule(afterMillis: UInt64, _ task: @escaping () -> Void) -> TimerHandle {
        precondition(inEventLoop, "EventLoop.schedule must be called on the loop thread")
        let (deadline, overflow) = nowMillis().addingReportingOverflow(afterMillis)
        return TimerHandle(id: timers.schedule(deadline: overflow ? .max : deadline, task))
    }

    /// Cancels a timer that has not run yet; a fired or cancelled handle is ignored.
    public func cancel(_ handle: TimerHandle) {
        precondition(inEventLoop, "EventLoop.cancel must be called on the loop thread")
        timers.cancel(handle.id)
    }

    /// Timers scheduled and not yet run or cancelled (diagnostics and tests).
    public var pendingTimerCount: Int {
        precondition(inEventLoop, "EventLoop.pendingTimerCount must be read on the loop thread")
        return timers.count
    }
}

/// A min-heap of deadlines with lazy cancellation.
///
/// Cancelling removes the task from `tasks`; its heap entry is skipped when it reaches the top.
/// A heap full of cancelled entries (a heartbeat timer re-armed on every message) is
/// rebuilt once stale entries outnumber live ones, so memory stays proportional to live timers.
struct TimerQueue {
    private struct Entry {
        var deadline: UInt64
        var sequence: UInt64
        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    private var heap: [Entry] = []
    private var tasks: [UInt64: () -> Void] = [:]
    /// The id the next scheduled timer gets; ids increase, so they also order same-deadline timers.
    private(set) var nextSequence: UInt64 = 1

    var count: Int { tasks.count }

    mutating func schedule(deadline: UInt64, _ task: @escaping () -> Void) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        tasks[sequence] = task
        push(Entry(deadline: deadline, sequence: sequence))
        return sequence
    }

    mutating func cancel(_ id: UInt64) {
        guard tasks.removeValue(forKey: id) != nil else { return }
        if heap.count > 64 && heap.count > 2 * tasks.count { rebuild() }
    }

    mutating func removeAll() {
        heap.removeAll()
        tasks.removeAll()
    }

    /// The epoll timeout for the earliest live timer: -1 (none), 0 (due) or the wait in ms.
    mutating func millisUntilNextDeadline(now: UInt64) -> Int32 {
        dropCancelledTop()
        guard let first = heap.first else { return -1 }
        if first.deadline <= now { return 0 }
        return Int32(clamping: first.deadline - now)
    }

    /// Removes and returns the earliest task due at `now` among those with id below `limit`.
    mutating func popDue(now: UInt64, scheduledBefore limit: UInt64) -> (() -> Void)? {
        dropCancelledTop()
        guard let first = heap.first, first.deadline <= now, first.sequence < limit else { return nil }
        popTop()
        return tasks.removeValue(forKey: first.sequence)
    }

    private mutating func dropCancelledTop() {
        while let first = heap.first, tasks[first.sequence] == nil { popTop() }
    }

    private mutating func rebuild() {
        heap.removeAll { tasks[$0.sequence] == nil }
        var index = heap.count / 2
        while index > 0 {
            index -= 1
            siftDown(index)
        }
    }

    private mutating func push(_ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func popTop() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        siftDown(0)
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            let child = right < heap.count && heap[right].precedes(heap[left]) ? right : left
            guard heap[child].precedes(heap[parent]) else { return }
            heap.swapAt(child, parent)
            parent = child
        }
    }
}
