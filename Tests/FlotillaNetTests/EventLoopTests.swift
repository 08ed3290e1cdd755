#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Testing
@testable import FlotillaNet

@Suite("EventLoop")
struct EventLoopTests {
    @Test("timers fire in deadline order, ties in scheduling order, cancelled ones never")
    func timersFireInOrder() async throws {
        let loop = try EventLoop.startOnNewThread(name: "timers")
        defer { loop.shutdown(); loop.waitUntilStopped() }
        let fired = Mutex<[String]>([])
        try await loop.submit {
            for (label, delay) in [("c", 60), ("a", 0), ("b1", 30), ("b2", 30), ("x", 45), ("d", 90)] as [(String, UInt64)] {
                let handle = loop.schedule(afterMillis: delay) { fired.withLock { $0.append(label) } }
                if label == "x" { loop.cancel(handle) }
            }
        }
        #expect(await eventually { fired.withLock { $0.count } == 5 })
        #expect(fired.withLock { $0 } == ["a", "b1", "b2", "c", "d"])
        #expect(try await loop.submit { loop.pendingTimerCount } == 0)
    }

    @Test("a cancelled timer can be cancelled again and a fired one too, harmlessly")
    func cancelIsIdempotent() async throws {
        let loop = try EventLoop.startOnNewThread(name: "cancel")
        defer { loop.shutdown(); loop.waitUntilStopped() }
        let count = Mutex(0)
        let handle = try await loop.submit { loop.schedule(afterMillis: 0) { count.withLock { $0 += 1 } } }
        #expect(await eventually { count.withLock { $0 } == 1 })
        try await loop.submit {
            loop.cancel(handle)
            let other = loop.schedule(afterMillis: 10_000) { count.withLock { $0 += 100 } }
            loop.cancel(other)
            loop.cancel(other)
        }
        #expect(try await loop.submit { loop.pendingTimerCount } == 0)
        #expect(count.withLock { $0 } == 1)
    }

    @Test("timer queue orders by deadline then sequence and skips cancelled entries")
    func timerQueueOrdering() {
        var queue = TimerQueue()
        var order: [Int] = []
        var ids: [UInt64] = []
        // Deadlines out of order, with ties; enough entries to exercise the rebuild path.
        for index in 0..<200 {
            let deadline = UInt64((index * 37) % 50)
            ids.append(queue.schedule(deadline: deadline) { order.append(index) })
        }
        for (index, id) in ids.enumerated() where index % 3 == 0 { queue.cancel(id) }
        #expect(queue.count == 200 - 67)
        #expect(queue.millisUntilNextDeadline(now: 0) == 0)
        while let task = queue.popDue(now: 100, scheduledBefore: queue.nextSequence) { task() }
        let expected = (0..<200).filter { $0 % 3 != 0 }.sorted {
            let (a, b) = (($0 * 37) % 50, ($1 * 37) % 50)
            return a != b ? a < b : $0 < $1
        }
        #expect(order == expected)
        #expect(queue.millisUntilNextDeadline(now: 0) == -1)
        _ = queue.schedule(deadline: 500) {}
        #expect(queue.millisUntilNextDeadline(now: 200) == 300)
        #expect(queue.popDue(now: 200, scheduledBefore: queue.nextSequence) == nil)
    }

    @Test("tasks from many threads all run, in per-thread order, on the loop thread")
    func executeFromManyThreads() async throws {
        let loop = try EventLoop.startOnNewThread(name: "execute")
        defer { loop.shutdown(); loop.waitUntilStopped() }
        let threads = 8
        let perThread = 2_000
        let seen = Mutex<[[Int]]>(Array(repeating: [], count: threads))
        let offLoop = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                let queued = loop.execute {
                    if !loop.inEventLoop { offLoop.withLock { $0 += 1 } }
                    seen.withLock { $0[thread].append(index) }
                }
                precondition(queued)
            }
        }
        #expect(await eventually { seen.withLock { $0.map(\.count).reduce(0, +) } == threads * perThread })
        #expect(seen.withLock { $0 }.allSatisfy { $0 == Array(0..<perThread) })
        #expect(offLoop.withLock { $0 } == 0)
        #expect(!loop.inEventLoop)
    }

    @Test("shutdown calls each registration's close callback, runs queued tasks, then refuses work")
    func shutdownClosesRegistrations() async throws {
        let loop = try EventLoop.startOnNewThread(name: "shutdown")
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        try Syscalls.setNonBlocking(fds[0])
        let readEnd = fds[0]
        let writeEnd = fds[1]
        let closedByOwner = Mutex(false)
        let reads = Mutex(0)
        try await loop.submit {
            var id: EventLoop.RegistrationID?
            id = try loop.register(fileDescriptor: readEnd, interest: .read, onReady: { _ in
                var byte: UInt8 = 0
                _ = withUnsafeMutableBytes(of: &byte) { try? Syscalls.read(readEnd, into: $0) }
                reads.withLock { $0 += 1 }
            }, onShutdown: {
                loop.deregister(id!)
                Syscalls.close(readEnd)
                closedByOwner.withLock { $0 = true }
            })
            // A timer that would fire long after shutdown must simply be dropped.
            loop.schedule(afterMillis: 60_000) { Issue.record("timer ran after shutdown") }
        }
        var byte: UInt8 = 1
        #expect(write(writeEnd, &byte, 1) == 1)
        #expect(await eventually { reads.withLock { $0 } == 1 })

        let lateTask = Mutex(false)
        loop.execute { lateTask.withLock { $0 = true } }
        loop.shutdown()
        loop.waitUntilStopped()
        close(writeEnd)
        #expect(closedByOwner.withLock { $0 })
        #expect(lateTask.withLock { $0 })
        #expect(loop.execute {} == false)
        await #expect(throws: EventLoopError.shutDown) { try await loop.submit { 1 } }
    }

    @Test("a loop shut down before it runs returns from run() at once")
    func shutdownBeforeRun() throws {
        let loop = try EventLoop()
        loop.shutdown()
        loop.run()
        loop.waitUntilStopped()
        #expect(loop.execute {} == false)
    }

    @Test("submit returns the body's value and rethrows its error")
    func submitResults() async throws {
        struct Boom: Error {}
        let loop = try EventLoop.startOnNewThread(name: "submit")
        defer { loop.shutdown(); loop.waitUntilStopped() }
        #expect(try await loop.submit { loop.inEventLoop })
        await #expect(throws: Boom.self) { try await loop.submit { throw Boom() } }
    }

    @Test("LoopBound hands a loop-confined value through Sendable closures")
    func loopBound() async throws {
        final class Counter { var value = 0 }
        let loop = try EventLoop.startOnNewThread(name: "bound")
        defer { loop.shutdown(); loop.waitUntilStopped() }
        let bound = try await loop.submit { LoopBound(Counter(), eventLoop: loop) }
        for _ in 0..<10 { loop.execute { bound.value.value += 1 } }
        // Tasks run in FIFO order, so this one sees all ten increments.
        #expect(try await loop.submit { bound.value.value } == 10)
    }

    @Test("SignalWatcher delivers a signal sent to the loop thread to its handler")
    func signalWatcher() async throws {
        let loop = try EventLoop.startOnNewThread(name: "signals")
        defer { loop.shutdown(); loop.waitUntilStopped() }
        let received = Mutex<[Int32]>([])
        let loopThread = try await loop.submit {
            let watcher = try SignalWatcher(loop: loop, signals: [SIGUSR2]) { signal in
                received.withLock { $0.append(signal) }
            }
            _ = watcher
            return pthread_self()
        }
        // Thread-directed, and blocked on that thread: it can only end up in the signalfd.
        #expect(pthread_kill(loopThread, SIGUSR2) == 0)
        #expect(await eventually { received.withLock { $0 } == [SIGUSR2] })
    }
}
