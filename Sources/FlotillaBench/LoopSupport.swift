import Dispatch
import FlotillaNet
import Synchronization

/// A value produced on some thread (usually an event loop) and awaited by the main thread.
final class Completion<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)
    private let semaphore = DispatchSemaphore(value: 0)

    /// Sets the value; only the first call counts.
    func resolve(_ result: T) {
        let first = value.withLock { value -> Bool in
            guard value == nil else { return false }
            value = result
            return true
        }
        if first { semaphore.signal() }
    }

    /// Blocks until `resolve` or until `seconds` pass; nil on timeout.
    func wait(seconds: Double) -> T? {
        guard semaphore.wait(timeout: .now() + seconds) == .success else { return nil }
        return value.withLock { $0 }
    }
}

/// Runs `body` on the loop and waits (bounded) for its result; for setup from the main thread.
///
/// - Throws: `BenchError.setup` with `what` when the body throws, the loop is shut down, or
///   the body does not finish within `seconds`.
func runOnLoop<T: Sendable>(_ loop: EventLoop, _ what: String, seconds: Double = 30,
                            _ body: @escaping @Sendable () throws -> T) throws(BenchError) -> T {
    let completion = Completion<Result<T, BenchError>>()
    let accepted = loop.execute {
        do {
            completion.resolve(.success(try body()))
        } catch let error as BenchError {
            completion.resolve(.failure(error))
        } catch {
            completion.resolve(.failure(.setup("\(what): \(error)")))
        }
    }
    guard accepted else { throw .setup("\(what): the event loop has shut down") }
    guard let result = completion.wait(seconds: seconds) else { throw .timedOut("\(what) (after \(Int(seconds)) s)") }
    return try result.get()
}
