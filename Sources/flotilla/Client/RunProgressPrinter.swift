#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import WireProtocol

/// Turns run events into what a person reads: a line per job state change with a done/total
/// counter, the log tail of a failed step, and a summary table at the end.
final class RunProgressPrinter {
    private struct JobView {
        var name: String
        var state: JobState = .queued
        var agent = ""
        var failedStep: (index: UInt32, exitCode: Int32, outcome: ExecutionOutcome)?
        var tail = LogTail(maxBytes: 8 * 1024)
    }

    private var order: [String] = []
    private var jobs: [String: JobView] = [:]
    private var runID = ""
    private let verbose: Bool
    private var stepNames: [String: [String]]
    /// The subcommand named in error lines (`run`, `wait`, `submit`).
    var command = "run"

    /// - Parameters:
    ///   - stepNames: step names per job id (from the local plan), for messages.
    ///   - verbose: stream every log line as it arrives.
    init(stepNames: [String: [String]], verbose: Bool) {
        self.stepNames = stepNames
        self.verbose = verbose
    }

    private var doneCount: Int { jobs.values.filter { $0.state.isTerminal }.count }

    private func counter() -> String {
        let total = String(order.count)
        let done = String(doneCount)
        return "[" + String(repeating: " ", count: max(0, total.count - done.count)) + done + "/" + total + "]"
    }

    func runAccepted(_ accepted: RunAccepted) {
        if accepted.runID == runID && !order.isEmpty { return jobListChanged(accepted) }
        runID = accepted.runID
        for job in accepted.jobs {
            order.append(job.jobID)
            jobs[job.jobID] = JobView(name: job.name)
        }
        emit("run \(accepted.runID): \(accepted.jobs.count) job\(accepted.jobs.count == 1 ? "" : "s")")
    }

    /// A second `RunAccepted` for the run: sharded jobs were replaced by their shards. Jobs keep
    /// what was printed about them; each replaced job gets a line naming its shards, which
    /// inherit its step names.
    private func jobListChanged(_ accepted: RunAccepted) {
        let listed = Set(accepted.jobs.map(\.jobID))
        let replaced = order.filter { !listed.contains($0) }
        let added = accepted.jobs.filter { jobs[$0.jobID] == nil }
        var views: [String: JobView] = [:]
        for job in accepted.jobs { views[job.jobID] = jobs[job.jobID] ?? JobView(name: job.name) }
        for id in replaced {
            let shards = added.filter { $0.jobID.hasPrefix(id + "-shard-") }
            for shard in shards where stepNames[shard.jobID] == nil { stepNames[shard.jobID] = stepNames[id] }
            let name = jobs[id]?.name ?? id
            let names = shards.count <= 4 ? shards.map(\.name) : [shards[0].name, "…", shards[shards.count - 1].name]
            emit(shards.isEmpty ? "\(name): replaced"
                 : "\(name): split into \(shards.count) shard\(shards.count == 1 ? "" : "s"): " + names.joined(separator: ", "))
        }
        order = accepted.jobs.map(\.jobID)
        jobs = views
    }

    func jobEvent(_ event: JobEvent) {
        guard var job = jobs[event.jobID] else { return }
        job.state = event.state
        if !event.agentName.isEmpty { job.agent = event.agentName }
        jobs[event.jobID] = job
        switch event.state {
        case .queued:
            // Every job starts queued, which adds nothing; a job queued again is news.
            guard !event.detail.isEmpty else { return }
            emit("\(counter()) \(job.name): queued again (\(event.detail))")
        case .assigned:
            emit("\(counter()) \(job.name): assigned to \(job.agent)")
        case .running:
            emit("\(counter()) \(job.name): running on \(job.agent)")
        default:
            var line = "\(counter()) \(job.name): \(Self.word(for: event.state))"
            if !event.detail.isEmpty { line += " (\(event.detail))" }
            emit(line)
            if event.state == .failed || event.state == .timedOut { printTail(of: event.jobID) }
        }
    }

    func stepStarted(_ step: StepStarted) {
        if verbose, let job = jobs[step.job.jobID] {
            emit("    \(job.name) › \(stepName(step.job.jobID, step.stepIndex))")
        }
    }

    func stepFinished(_ step: StepFinished) {
        guard var job = jobs[step.job.jobID] else { return }
        if step.outcome == .failure || step.outcome == .timedOut {
            job.failedStep = (step.stepIndex, step.exitCode, step.outcome)
            jobs[step.job.jobID] = job
        }
    }

    func log(_ chunk: LogChunk) {
        guard var job = jobs[chunk.job.jobID] else { return }
        job.tail.append(chunk.data)
        jobs[chunk.job.jobID] = job
        if verbose {
            let text = String(decoding: chunk.data, as: UTF8.self)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0) {
                emit("    \(job.name) | \(line)")
            }
        }
    }

    func runFinished(_ result: RunFinished) {
        var rows = [["JOB", "AGENT", "STATUS", "DURATION"]]
        for summary in result.jobs {
            rows.append([summary.name, summary.agentName.isEmpty ? "-" : summary.agentName,
                         Self.word(for: summary.state), Self.seconds(summary.durationMillis)])
        }
        emit("")
        emit(TextTable.render(rows))
        let outcome: String
        switch result.outcome {
        case .succeeded: outcome = "succeeded"
        case .failed: outcome = "failed"
        case .cancelled: outcome = "cancelled"
        case .error: outcome = "could not be completed"
        }
        emit("run \(result.runID) \(outcome)")
    }

    /// One line per gate, then the verdict.
    func verdict(_ verdict: Verdict) {
        // Without gates the verdict only repeats the jobs' outcome, already printed.
        guard !verdict.gates.isEmpty else { return }
        do {
            emit("")
            var rows = [["GATE", "KIND", "STATUS", "VALUE", "THRESHOLD"]]
            for gate in verdict.gates {
                rows.append([gate.name, gate.kind.rawValue, gate.status.rawValue + (gate.blocking ? "" : " (advisory)"),
                             gate.value.isEmpty ? "-" : gate.value, gate.threshold.isEmpty ? "-" : gate.threshold])
            }
            emit(TextTable.render(rows))
            for gate in verdict.gates where gate.status != .pass && !gate.detail.isEmpty {
                emit("gate \(gate.name): \(gate.detail)")
            }
        }
        emit("verdict: \(verdict.verdict.rawValue)\(verdict.emergency ? " (emergency run: non-critical gates skipped)" : "")")
    }

    func note(_ text: String) { emit(text) }

    func error(_ text: String) { printError("flotilla \(command): \(text)") }

    private func printTail(of jobID: String) {
        // A job that failed without ever reaching an agent (a sharded job whose tests could not
        // be discovered) has no log; its detail says why.
        guard let job = jobs[jobID], !(job.agent.isEmpty && job.tail.bytes.isEmpty) else { return }
        var header = "--- log tail of \(job.name)"
        if let failed = job.failedStep {
            header += ", step '\(stepName(jobID, failed.index))'"
            header += failed.outcome == .timedOut ? " (timed out)" : " (exit \(failed.exitCode))"
        }
        emit(header + " ---")
        let text = job.tail.text
        emit(text.isEmpty ? "(no output)" : (text.hasSuffix("\n") ? String(text.dropLast()) : text))
        emit("--- end of log tail ---")
    }

    private func stepName(_ jobID: String, _ index: UInt32) -> String {
        let names = stepNames[jobID] ?? []
        return Int(index) < names.count ? names[Int(index)] : "step \(index + 1)"
    }

    private func emit(_ line: String) {
        printLine(line)
    }

    static func word(for state: JobState) -> String {
        switch state {
        case .queued: "queued"
        case .assigned: "assigned"
        case .running: "running"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .timedOut: "timed out"
        case .agentLost: "agent lost"
        case .cancelled: "cancelled"
        case .skipped: "skipped"
        }
    }

    static func seconds(_ millis: UInt64) -> String {
        let tenths = (millis + 50) / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }
}

/// The last bytes of a job's log, cut at a line start when possible.
struct LogTail {
    let maxBytes: Int
    private(set) var bytes: [UInt8] = []

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    mutating func append(_ data: [UInt8]) {
        bytes += data
        if bytes.count > maxBytes * 2 { bytes.removeFirst(bytes.count - maxBytes) }
    }

    var text: String {
        var slice = bytes.suffix(maxBytes)
        if bytes.count > maxBytes, let newline = slice.firstIndex(of: UInt8(ascii: "\n")) {
            slice = slice[(newline + 1)...]
        }
        return String(decoding: slice, as: UTF8.self)
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
