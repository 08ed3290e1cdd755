#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A program a test runs as a separate process, with its output captured to files.
///
/// End-to-end tests start real coordinators, agents and clients; every one of them must be
/// gone when the test ends, however it ends. The child runs in a process group of its own
/// (pgid = pid) so ``terminate()`` can kill it together with any child that stayed in its
/// group, and `deinit` does the same as a last resort. Standard output and error go to
/// files rather than pipes, so a chatty child never blocks on a full pipe and the text can
/// be read at any time, also after the child is gone. Every wait has a deadline.
///
/// Thread-safe: the reaped status is guarded by a lock.
public final class ChildProcess: @unchecked Sendable, CustomStringConvertible {
    /// How the child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        /// It called exit with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): "exited with status \(code)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }
    }

    /// Which captured stream to read.
    public enum Stream: Sendable {
        case stdout
        case stderr
    }

    /// The child's process id, which is also its process group id.
    public let pid: pid_t
    public let executablePath: String
    public let arguments: [String]
    /// Where standard output is captured.
    public let stdoutPath: String
    /// Where standard error is captured.
    public let stderrPath: String

    private let lock = NSLock()
    private var reaped: Termination?

    /// Starts `executablePath` with `arguments`.
    ///
    /// The child gets /dev/null as standard input, an empty signal mask and default signal
    /// dispositions (a test runner may ignore SIGPIPE; the child should not inherit that), no
    /// descriptors beyond 0–2, and this process's environment with `environment` laid over it.
    ///
    /// - Parameters:
    ///   - workingDirectory: the child's current directory; nil keeps this process's.
    ///   - environment: variables to add or replace.
    ///   - stdoutPath: file (created or truncated) that receives standard output.
    ///   - stderrPath: file that receives standard error.
    /// - Throws: ``ChildProcessError`` naming the call that failed.
    public init(executablePath: String, arguments: [String], workingDirectory: String? = nil,
                environment: [String: String] = [:], stdoutPath: String, stderrPath: String) throws(ChildProcessError) {
        self.executablePath = executablePath
        self.arguments = arguments
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.pid = try Self.spawn(executablePath: executablePath, arguments: arguments,
                                  workingDirectory: workingDirectory, environment: environment,
                                  stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    deinit {
        terminate()
    }

    public var description: String {
        "\(executablePath) \(arguments.joined(separator: " ")) (pid \(pid))"
    }

    // MARK: State

    /// How the child ended, if it has (reaps it when it just did).
    public var termination: Termination? {
        lock.lock()
        defer { lock.unlock() }
        return reapLocked()
    }

    /// True until the child has ended.
    public var isRunning: Bool { termination == nil }

    // MARK: Waiting

    /// Waits until the child ends or `timeout` passes.
    ///
    /// - Returns: how it ended, or nil when it was still running at the deadline.
    public func waitForExit(timeout: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let termination { return termination }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until the captured text of `stream` satisfies `condition`, the child ends, or
    /// `timeout` passes.
    ///
    /// - Returns: the text that satisfied the condition, or nil (the child ended without
    ///   writing it, or the deadline passed).
    public func waitForOutput(_ stream: Stream = .stdout, timeout: Duration,
                              until condition: (String) -> Bool) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            // Read the state first: text written before the exit is then always seen.
            let ended = termination != nil
            let text = output(stream)
            if condition(text) { return text }
            if ended || ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Waits until `stream` contains `text`; see ``waitForOutput(_:timeout:until:)``.
    public func waitForOutput(_ stream: Stream = .stdout, containing text: String, timeout: Duration) async -> Bool {
        await waitForOutput(stream, timeout: timeout) { $0.contains(text) } != nil
    }

    // MARK: Output

    /// Everything the child has written to `stream` so far.
    public func output(_ stream: Stream) -> String {
        let path = stream == .stdout ? stdoutPath : stderrPath
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Captured standard output.
    public var stdout: String { output(.stdout) }

    /// Captured standard error.
    public var stderr: String { output(.stderr) }

    /// Both streams, labelled, for failure messages.
    public var transcript: String {
        "$ \(description)\n--- stdout ---\n\(stdout)--- stderr ---\n\(stderr)--- \(termination.map { "\($0)" } ?? "still running") ---"
    }

    // MARK: Signals

    /// Sends `signal` to the child alone (not its group).
    ///
    /// - Returns: false when the child is already gone.
    @discardableResult
    public func send(_ signal: Int32) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        // Never signal a reaped pid: the number may belong to someone else by now.
        guard reapLocked() == nil else { return false }
        return kill(pid, signal) == 0
    }

    /// Kills the child's whole process group with SIGKILL and reaps the child.
    ///
    /// Idempotent; safe in `defer`. A stopped child dies too (SIGKILL needs no SIGCONT).
    public func terminate() {
        lock.lock()
        defer { lock.unlock() }
        guard reapLocked() == nil else { return }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        // SIGKILL cannot be caught, so this wait is short; it is still bounded.
        for _ in 0..<500 {
            if reapLocked() != nil { return }
            usleep(10_000)
        }
    }

    /// Reaps the child if it ended; must hold `lock`.
    private func reapLocked() -> Termination? {
        if let reaped { return reaped }
        var status: Int32 = 0
        var result: pid_t
        repeat {
            result = waitpid(pid, &status, WNOHANG)
        } while result < 0 && errno == EINTR
        guard result == pid else {
            // ECHILD: someone else reaped it, so its status is unknowable; it is gone all the
            // same, and reporting it as ended beats waiting for a deadline.
            if result < 0 && errno == ECHILD { reaped = .signalled(0) }
            return reaped
        }
        // WIFEXITED / WTERMSIG are macros Swift does not import.
        let signal = status & 0x7F
        reaped = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
        return reaped
    }
}
