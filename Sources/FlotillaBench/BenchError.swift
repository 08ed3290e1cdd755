/// Why a benchmark could not produce its figures.
enum BenchError: Error, Sendable, CustomStringConvertible {
    /// A command-line argument was missing, unknown or out of range.
    case usage(String)
    /// Setting up the temporary PKI, directories, coordinator or agents failed.
    case setup(String)
    /// The client session with the coordinator failed.
    case session(String)
    /// The coordinator refused a run (the reason is the coordinator's).
    case runRejected(String)
    /// A run or job ended in a way the benchmark cannot count.
    case runFailed(String)
    /// Something did not happen within its bound.
    case timedOut(String)
    /// The reference spawn failed (call and errno text).
    case spawn(String)

    var description: String {
        switch self {
        case .usage(let text): return "usage: \(text)"
        case .setup(let text): return "setup failed: \(text)"
        case .session(let text): return "client session: \(text)"
        case .runRejected(let reason): return "the coordinator refused the run: \(reason)"
        case .runFailed(let text): return "run failed: \(text)"
        case .timedOut(let text): return "timed out: \(text)"
        case .spawn(let text): return "reference spawn: \(text)"
        }
    }
}
