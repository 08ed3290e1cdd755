import Dispatch
import FlotillaCore
import FlotillaNet
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The exit code a long-running command ends with, set once from the event loop.
final class ExitLatch: Sendable {
    private let code = Mutex<Int32?>(nil)
    private let semaphore = DispatchSemaphore(value: 0)

    /// Sets the code; only the first call counts.
    func resolve(_ value: Int32) {
        let first = code.withLock { code -> Bool in
            guard code == nil else { return false }
            code = value
            return true
        }
        if first { semaphore.signal() }
    }

    /// Blocks until `resolve` is called.
    func wait() -> Int32 {
        semaphore.wait()
        return code.withLock { $0 } ?? ExitCode.unrunnable
    }
}

/// Keeps loop-confined objects (servers, agents, clients) alive for the process's lifetime.
///
/// Touched only on the event loop's thread, which is what makes the unchecked conformance sound.
final class LoopResidents: @unchecked Sendable {
    private var objects: [AnyObject] = []
    func keep(_ object: AnyObject) { objects.append(object) }
}

/// Runs `body` on the loop and waits for its result; for setup from the main thread.
func runOnLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () throws -> T) throws -> T {
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    let accepted = loop.execute {
        let outcome = Result { try body() }
        result.withLock { $0 = outcome }
        done.signal()
    }
    guard accepted else { throw EventLoopError.shutDown }
    done.wait()
    return try result.withLock { $0! }.get()
}

/// Where `flotilla` keeps local state: `--state`, else `$XDG_STATE_HOME/flotilla`, else `./.flotilla`.
func stateDirectory(_ explicit: String?) -> String {
    if let explicit, !explicit.isEmpty { return explicit }
    if let xdg = getenv("XDG_STATE_HOME").map({ String(cString: $0) }), !xdg.isEmpty { return xdg + "/flotilla" }
    return ".flotilla"
}

/// Creates a directory and its parents (mode 0700 for new ones).
func makeDirectories(_ path: String) throws(FileSystemError) {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o700) != 0 && errno != EEXIST {
            throw FileSystemError(operation: "mkdir", path: current, errno: errno)
        }
    }
}

/// A file-system call failed.
struct FileSystemError: Error, CustomStringConvertible {
    let operation: String
    let path: String
    let errno: Int32
    var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

/// The process's logger: structured lines on standard error.
func makeLogger(_ label: String, verbose: Bool) -> Logger {
    Logger(label: label, level: verbose ? .debug : .info, sink: StderrLogSink())
}

/// Starts an event loop, lets `setup` create the long-lived objects on it, and blocks until
/// the latch is resolved; then stops the loop.
///
/// - Parameter setup: runs on the loop; returns what to do on SIGINT/SIGTERM.
func runLoopUntilExit(
    threadName: String,
    _ setup: @escaping @Sendable (EventLoop, LoopResidents, ExitLatch) throws -> (Int32) -> Void
) throws -> Int32 {
    // Block before any thread starts so every thread inherits the mask and signalfd sees them.
    try SignalWatcher.blockSignals([SIGINT, SIGTERM])
    let loop = try EventLoop.startOnNewThread(name: threadName)
    defer {
        loop.shutdown()
        loop.waitUntilStopped()
    }
    let latch = ExitLatch()
    let residents = LoopResidents()
    try runOnLoop(loop) {
        let onSignal = try setup(loop, residents, latch)
        residents.keep(try SignalWatcher(loop: loop, handler: onSignal))
    }
    return latch.wait()
}
