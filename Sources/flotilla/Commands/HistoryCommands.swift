#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import FlotillaStore
import WireProtocol

/// `flotilla runs` and `flotilla logs`: what a coordinator's store remembers, read locally.
///
/// They read the SQLite store of the embedded default (`--state DIR`, default as `run` uses)
/// or of a coordinator whose state directory is on this machine; asking a remote coordinator
/// over the network is not implemented yet.
enum HistoryCommands {
    /// Opens the store read-only: `STATE/coordinator` for the embedded default, else `STATE` itself.
    static func openStore(_ state: String, command: String) throws -> CoordinatorStore {
        let embedded = state + "/coordinator"
        let directory = access(embedded + "/" + CoordinatorStore.databaseFileName, F_OK) == 0 ? embedded : state
        guard access(directory + "/" + CoordinatorStore.databaseFileName, F_OK) == 0 else {
            throw UsageError(command: command,
                             message: "no coordinator state in \(state) (expected \(embedded)/\(CoordinatorStore.databaseFileName) or \(state)/\(CoordinatorStore.databaseFileName)); give --state DIR")
        }
        return try CoordinatorStore(stateDirectory: directory, mode: .readOnly)
    }

    /// `flotilla runs [--state DIR] [--json] [--limit N]`: newest first.
    static func runs(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "runs", arguments: arguments, valueOptions: ["state", "limit"], flagOptions: ["json"])
        try args.noExtraPositionals(after: 0)
        let limit = try args.integer("limit", default: 50, range: 1...10_000)
        let store = try openStore(stateDirectory(args.value("state")), command: "runs")
        let runs = try store.runs(limit: limit)
        if args.flag("json") {
            let items = runs.map { run in
                "{\"id\": \(JSONWriter.quote(run.id)), \"pipeline\": \(JSONWriter.quote(run.pipelineFileName)), "
                    + "\"state\": \(JSONWriter.quote(run.state.rawValue)), "
                    + "\"outcome\": \(run.outcome.map { JSONWriter.quote(outcomeWord($0)) } ?? "null"), "
                    + "\"submitter\": \(JSONWriter.quote(run.submitter)), \"revision\": \(JSONWriter.quote(run.sourceRevision)), "
                    + "\"submitted_at_ms\": \(run.submittedAt), \"finished_at_ms\": \(run.finishedAt.map(String.init) ?? "null")}"
            }
            printLine("{\"runs\": [" + items.joined(separator: ", ") + "]}")
            return ExitCode.success
        }
        var rows = [["RUN", "PIPELINE", "STATE", "OUTCOME", "SUBMITTED BY", "REVISION"]]
        for run in runs {
            rows.append([run.id, run.pipelineFileName, run.state.rawValue, run.outcome.map(outcomeWord) ?? "-",
                         run.submitter.isEmpty ? "-" : run.submitter, run.sourceRevision.isEmpty ? "-" : run.sourceRevision])
        }
        printLine(TextTable.render(rows))
        return ExitCode.success
    }

    /// `flotilla logs RUN [JOB] [--state DIR]`: the stored log of every job of the run, or one job.
    static func logs(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "logs", arguments: arguments, valueOptions: ["state"], flagOptions: [])
        let runID = try args.positional(0, "RUN (a run id, see 'flotilla runs')")
        try args.noExtraPositionals(after: 2)
        let jobFilter = args.positionals.count > 1 ? args.positionals[1] : nil
        let store = try openStore(stateDirectory(args.value("state")), command: "logs")
        guard try store.run(runID) != nil else {
            printError("flotilla logs: no run '\(runID)' in this state directory (see 'flotilla runs')")
            return ExitCode.unrunnable
        }
        let jobs = try store.jobs(ofRun: runID)
        let selected = jobFilter.map { wanted in jobs.filter { $0.planned.id == wanted || $0.planned.displayName == wanted } } ?? jobs
        if let jobFilter, selected.isEmpty {
            let known = jobs.map(\.planned.id).joined(separator: ", ")
            printError("flotilla logs: run \(runID) has no job '\(jobFilter)' (jobs: \(known))")
            return ExitCode.unrunnable
        }
        let attempts = try store.attempts(ofRun: runID)
        for job in selected {
            for attempt in attempts where attempt.ref.jobID == job.planned.id {
                printLine("=== \(job.planned.displayName) (attempt \(attempt.ref.attempt), agent \(attempt.agentName)) ===")
                let bytes = try store.readLog(runID: runID, jobID: job.planned.id, attempt: attempt.ref.attempt)
                let text = String(decoding: bytes, as: UTF8.self)
                printLine(text.hasSuffix("\n") ? String(text.dropLast()) : text)
            }
        }
        return ExitCode.success
    }

    /// `flotilla agents [--state DIR] [--json]`: every agent the coordinator has seen, with its machine.
    static func agents(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "agents", arguments: arguments, valueOptions: ["state"], flagOptions: ["json"])
        try args.noExtraPositionals(after: 0)
        let store = try openStore(stateDirectory(args.value("state")), command: "agents")
        let agents = try store.agents()
        if args.flag("json") {
            let items = agents.map { agent in
                let machine = agent.fingerprint.map {
                    "{\"os\": \(JSONWriter.quote($0.os)), \"arch\": \(JSONWriter.quote($0.arch)), "
                        + "\"cpu\": \(JSONWriter.quote($0.cpuModel)), \"cores\": \($0.cores), \"memory_bytes\": \($0.memoryBytes), "
                        + "\"kernel\": \(JSONWriter.quote($0.kernel))}"
                } ?? "null"
                return "{\"name\": \(JSONWriter.quote(agent.name)), \"labels\": [\(agent.labels.map(JSONWriter.quote).joined(separator: ", "))], "
                    + "\"capacity\": \(agent.capacity), \"drained\": \(agent.drained), \"last_seen_ms\": \(agent.lastSeen), \"machine\": \(machine)}"
            }
            printLine("{\"agents\": [" + items.joined(separator: ", ") + "]}")
            return ExitCode.success
        }
        var rows = [["AGENT", "LABELS", "CAPACITY", "MACHINE", "DRAINED"]]
        for agent in agents {
            let machine = agent.fingerprint.map { "\($0.os)/\($0.arch), \($0.cores) cores, \($0.memoryBytes >> 30) GiB" } ?? "-"
            rows.append([agent.name, agent.labels.joined(separator: ","), String(agent.capacity), machine,
                         agent.drained ? "yes" : "no"])
        }
        printLine(TextTable.render(rows))
        return ExitCode.success
    }

    static func outcomeWord(_ outcome: RunOutcome) -> String {
        switch outcome {
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .error: "error"
        }
    }
}
