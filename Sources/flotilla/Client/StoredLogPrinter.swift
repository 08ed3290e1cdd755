import WireProtocol

/// Prints stored job logs the way `flotilla logs` shows them, from the local store or from a
/// coordinator's `LogListing` and `LogChunk`s: each attempt under a header line, its text
/// ending in exactly one newline.
///
/// Confined to the thread that feeds it (the CLI's main thread, or the client's loop).
final class StoredLogPrinter: @unchecked Sendable {
    private var attempts: [LogAttempt] = []
    /// Index in `attempts` of the attempt being printed; -1 before the first.
    private var current = -1
    private var endsWithNewline = true
    private let write: (String) -> Void

    init(write: @escaping (String) -> Void = printText) { self.write = write }

    /// The header above an attempt's log.
    static func header(name: String, attempt: UInt32, agent: String) -> String {
        "=== \(name) (attempt \(attempt), agent \(agent)) ==="
    }

    /// A coordinator's answer to `FetchLogs`, message by message; the exit code once it is complete.
    func handle(_ message: Message, command: String) -> Int32? {
        switch message {
        case .logListing(let listing):
            guard listing.error.isEmpty else {
                printError("flotilla \(command): \(listing.error)")
                return ExitCode.unrunnable
            }
            attempts = listing.attempts
            return nil
        case .logChunk(let chunk):
            guard let index = attempts.firstIndex(where: { $0.jobID == chunk.job.jobID && $0.attempt == chunk.job.attempt }) else {
                return nil
            }
            advance(to: index)
            text(String(decoding: chunk.data, as: UTF8.self))
            return nil
        case .commandResult(let result):
            guard result.ok else {
                printError("flotilla \(command): \(result.message)")
                return ExitCode.unrunnable
            }
            advance(to: attempts.count)
            return ExitCode.success
        default:
            return nil
        }
    }

    /// Prints one attempt whose whole log is at hand (the local store).
    func attempt(_ attempt: LogAttempt, log: String) {
        attempts.append(attempt)
        advance(to: attempts.count - 1)
        text(log)
        advance(to: attempts.count)
    }

    /// Ends the attempt being printed and prints the headers up to `index` (attempts without output too).
    private func advance(to index: Int) {
        while current < index {
            // The local format: the text without its last newline, then one newline (an empty log: an empty line).
            if current >= 0 && (printedNothing || !endsWithNewline) { write("\n") }
            current += 1
            guard current < attempts.count else { return }
            let attempt = attempts[current]
            write(Self.header(name: attempt.name, attempt: attempt.attempt, agent: attempt.agentName) + "\n")
            printedNothing = true
            endsWithNewline = true
        }
    }

    /// True while the current attempt has printed nothing: it still gets its (empty) line.
    private var printedNothing = false

    private func text(_ text: String) {
        guard !text.isEmpty else { return }
        write(text)
        printedNothing = false
        endsWithNewline = text.hasSuffix("\n")
    }
}
