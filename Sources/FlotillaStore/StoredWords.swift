import WireProtocol

/// The words wire enumerations are stored as, and back.
///
/// Words rather than raw numbers keep the database readable and decoupled from wire codes;
/// an unknown word can only come from a damaged or foreign file, so it is `.corrupt`.
enum StoredWords {
    static func word(_ state: JobState) -> String {
        switch state {
        case .queued: "queued"
        case .assigned: "assigned"
        case .running: "running"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .timedOut: "timed_out"
        case .agentLost: "agent_lost"
        case .cancelled: "cancelled"
        case .skipped: "skipped"
        }
    }

    static func jobState(_ word: String, path: String) throws(StoreError) -> JobState {
        switch word {
        case "queued": .queued
        case "assigned": .assigned
        case "running": .running
        case "succeeded": .succeeded
        case "failed": .failed
        case "timed_out": .timedOut
        case "agent_lost": .agentLost
        case "cancelled": .cancelled
        case "skipped": .skipped
        default: throw unknown(word, "job state", path)
        }
    }

    static func word(_ outcome: RunOutcome) -> String {
        switch outcome {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .error: "error"
        }
    }

    static func runOutcome(_ word: String?, path: String) throws(StoreError) -> RunOutcome? {
        switch word {
        case nil: nil
        case "succeeded": .succeeded
        case "failed": .failed
        case "cancelled": .cancelled
        case "error": .error
        case let other?: throw unknown(other, "run outcome", path)
        }
    }

    static func runState(_ word: String, path: String) throws(StoreError) -> RunState {
        guard let state = RunState(rawValue: word) else { throw unknown(word, "run state", path) }
        return state
    }

    static func word(_ stream: LogStream) -> String {
        switch stream {
        case .stdout: "stdout"
        case .stderr: "stderr"
        case .system: "system"
        }
    }

    static func logStream(_ word: String, path: String) throws(StoreError) -> LogStream {
        switch word {
        case "stdout": .stdout
        case "stderr": .stderr
        case "system": .system
        default: throw unknown(word, "log stream", path)
        }
    }

    private static func unknown(_ word: String, _ what: String, _ path: String) -> StoreError {
        StoreError(kind: .corrupt, message: "unknown \(what) '\(word)' in the database", path: path)
    }
}
