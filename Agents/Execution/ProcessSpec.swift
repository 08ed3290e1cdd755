#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `ProcessRunner` starts: an executable, its arguments, environment and directory.
public struct ProcessSpec: Sendable, Equatable {
    /// Absolute path of the program (no `PATH` search).
    public var executablePath: String
    /// `argv[1...]`; `argv[0]` is `executablePath`.
    public var arguments: [String]
    /// The complete environment; `PATH` and `HOME` get defaults when absent
    /// (see `ProcessSpec.defaultPath`), nothing else is inherited from the agent.
    public var environment: [String: String]
    /// The child's current directory; nil keeps the agent's.
    public var workingDirectory: String?

    public init(executablePath: String, arguments: [String] = [], environment: [String: String] = [:],
                workingDirectory: String? = nil) {
        self.executablePath = executablePath; self.arguments = arguments
        self.environment = environment; self.workingDirectory = workingDirectory
    }

    /// `PATH` given to a child whose environment has none.
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// The environment as `NAME=value` strings, sorted by name, with `PATH`/`HOME` defaults.
    func environmentEntries() -> [String] {
        var environment = self.environment
        if environment["PATH"] == nil { environment["PATH"] = ProcessSpec.defaultPath }
        if environment["HOME"] == nil {
            environment["HOME"] = getenv("HOME").map { String(cString: $0) } ?? "/"
        }
        return environment.keys.sorted().map { "\($0)=\(environment[$0]!)" }
    }
}

/// How a process ended.
public enum ProcessTermination: Sendable, Equatable, CustomStringConvertible {
    /// `exit(code)`.
    case exited(Int32)
    /// Killed by a signal.
    case signaled(Int32)

    /// The shell convention: the exit status, or 128 + the signal number.
    public var exitCode: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    /// Decodes a `waitpid` status word.
    init(waitStatus status: Int32) {
        let signal = status & 0x7F
        self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
    }

    /// `exit code 3` or `signal 9 (Killed)`.
    public var description: String {
        switch self {
        case .exited(let code): return "exit code \(code)"
        case .signaled(let signal): return "signal \(signal) (\(String(cString: strsignal(signal))))"
        }
    }
}

/// A process could not be started.
public struct ProcessRunnerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call that failed (`posix_spawn`, `pipe2`, `open /dev/null` …).
    public var call: String
    public var errno: Int32
    public var executablePath: String
    public var workingDirectory: String?

    public init(call: String, errno: Int32, executablePath: String, workingDirectory: String?) {
        self.call = call; self.errno = errno; self.executablePath = executablePath; self.workingDirectory = workingDirectory
    }

    public var description: String {
        let directory = workingDirectory.map { " in \($0)" } ?? ""
        return "cannot start \(executablePath)\(directory): \(call) failed: \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
