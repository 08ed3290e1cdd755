#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fixed exit codes: scripts depend on them.
enum ExitCode {
    /// Everything succeeded.
    static let success: Int32 = 0
    /// A job or gate failed.
    static let failure: Int32 = 1
    /// The pipeline could not be run or judged: bad input, no matching agent, unreachable coordinator.
    static let unrunnable: Int32 = 2
}

/// Dispatches the subcommand.
enum FlotillaCommand {
    static let usage = """
    usage: flotilla <command> [options]

    Running pipelines
      run FILE [--coordinator HOST:PORT --pki DIR --name CLIENT] [--source DIR] [--state DIR]
               [--agents N] [--labels l1,l2] [--max-artifact-bytes N] [--skip-uses] [--verbose]
                                   run a pipeline; without --coordinator, on an embedded
                                   coordinator with one local agent per core
      submit FILE --coordinator HOST:PORT --pki DIR --name CLIENT [--source DIR] [--skip-uses] [--emergency]
                                   submit a run that goes on without you; prints only its id
      wait RUN --coordinator ... [--json FILE --markdown FILE --junit FILE] [--verbose]
                                   follow a run to its end; exits like run
      cancel RUN --coordinator ... [--reason TEXT]
                                   cancel a run: its jobs' processes are killed on every agent
      validate FILE                check a pipeline file (exit 0 valid, 2 invalid)
      plan FILE [--json] [--skip-uses]
                                   show the expanded jobs
      plan FILE --shards [--source DIR] [--state DIR]
                                   show the planned shards of sharded jobs with predicted
                                   durations (timings recorded in --state DIR, if given)

    Artifacts
      runs [--state DIR | --coordinator HOST:PORT --pki DIR --name CLIENT] [--json] [--limit N]
                                   runs the coordinator remembers, newest first
      logs RUN [JOB] [--state DIR | --coordinator ...]
                                   the stored logs of a run's jobs (every attempt)
      agents [--state DIR | --coordinator ...] [--json]
                                   agents the coordinator has seen, with their machines
      artifacts list RUN [--json] [--coordinator HOST:PORT --pki DIR --name CLIENT | --state DIR]
                                   a run's stored artifacts (name, job, kind, size, sha256)
      artifacts get RUN (NAME ...|--all) -o DIR [--coordinator ... | --state DIR]
                                   download and verify them into DIR, with DIR/SHA256SUMS
                                   (exit 0 ok, 1 checksum mismatch, 2 not found/unreachable)

    Fleet
      coordinator --listen HOST:PORT --pki DIR --state DIR
            [--min-free-mb N]         refuse new runs below N MiB free in DIR (default 256)
      agent --coordinator HOST:PORT --pki DIR --name NAME --labels l1,l2 --capacity K --work-dir DIR
            [--max-artifact-bytes N]   per-job artifact upload limit (default 10G; K, M, G suffixes)
            [--machine-class NAME]     the class benchmark samples are compared within
                                       (default: derived from CPU, cores, memory, kernel, OS)
      drain AGENT --coordinator HOST:PORT --pki DIR --name CLIENT [--undo]
                                   the agent finishes its jobs and takes no new ones (rolling
                                   upgrades); --undo puts it back into service
      pki init --dir DIR [--host NAME_OR_IP ...]
      pki issue --dir DIR --role agent|client --name NAME

    Benchmarks
      bench detect [--effect PERCENT] [--explain] < HISTORY.json
                                   regressions in one recorded history: prints {"flags": [commit indices]}
      bench evaluate --corpus DIR [--json]   the detector and the naive rule scored on a corpus
      bench generate --out DIR [--seed N]    write a seeded evaluation corpus
      bench report (RUN | --job JOB [--pipeline FILE]) -o DIR [--state DIR] [--runs N] [--effect PERCENT]
                                   DIR/report.md and an SVG trend chart per metric and machine class

      help, version

    Exit codes: 0 success, 1 a job failed, 2 the pipeline could not be run.
    """

    static func main(_ arguments: [String]) -> Int32 {
        guard let command = arguments.first else {
            printError(usage)
            return ExitCode.unrunnable
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "run": return try RunCommand.main(rest)
            case "validate": return try ValidateCommand.main(rest)
            case "plan": return try PlanCommand.main(rest)
            case "coordinator": return try CoordinatorCommand.main(rest)
            case "agent": return try AgentCommand.main(rest)
            case "pki": return try PKICommand.main(rest)
            case "runs": return try HistoryCommands.runs(rest)
            case "logs": return try HistoryCommands.logs(rest)
            case "agents": return try HistoryCommands.agents(rest)
            case "submit": return try OperatorCommands.submit(rest)
            case "wait": return try OperatorCommands.wait(rest)
            case "cancel": return try OperatorCommands.cancel(rest)
            case "drain": return try OperatorCommands.drain(rest)
            case "artifacts": return try ArtifactsCommand.main(rest)
            case "bench": return try BenchCommand.main(rest)
            case "help", "--help", "-h":
                printLine(usage)
                return ExitCode.success
            case "version", "--version":
                printLine("flotilla \(FlotillaVersion.string)")
                return ExitCode.success
            default:
                printError("flotilla: unknown command '\(command)'\n\n\(usage)")
                return ExitCode.unrunnable
            }
        } catch let error as UsageError {
            printError(error.description)
            return ExitCode.unrunnable
        } catch {
            printError("flotilla \(command): \(error)")
            return ExitCode.unrunnable
        }
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    writeLine(text, to: STDERR_FILENO)
}

/// Writes text to standard output as it is (no newline added), unbuffered.
func printText(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}

/// Writes a line to standard output, unbuffered, so progress interleaves correctly with logs.
func printLine(_ text: String) {
    writeLine(text, to: STDOUT_FILENO)
}

private func writeLine(_ text: String, to fd: Int32) {
    var bytes = Array(text.utf8)
    if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return } // a closed pipe: nothing more can be said
        offset += written
    }
}

enum FlotillaVersion {
    static let string = "0.1.0"
}
