#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import FlotillaStore
import WireProtocol

/// `flotilla runs`, `logs` and `agents`: what a coordinator's store remembers.
///
/// They read the SQLite store of the embedded default (`--state DIR`, default as `run` uses)
/// or of a coordinator whose state directory is on this machine; `runs` and `agents` also ask
/// a coordinator over TLS (`--coordinator HOST:PORT --pki DIR --name CLIENT`).
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

    /// `flotilla runs [--state DIR | --coordinator HOST:PORT --pki DIR --name CLIENT] [--json] [--limit N]`: newest first.
    static func runs(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "runs", arguments: arguments,
                                    valueOptions: ["state", "limit", "coordinator", "pki", "name"], flagOptions: ["json"])
        try args.noExtraPositionals(after: 0)
        let limit = try args.integer("limit", default: 50, range: 1...10_000)
        let json = args.flag("json")
        if let endpoint = try ClientEndpoint.parse(args, command: "runs") {
            return try OperatorClient.run(endpoint, command: "runs", request: .listRuns(ListRuns(limit: UInt32(limit)))) { message in
                guard case .runList(let list) = message else { return nil }
                guard list.error.isEmpty else {
                    printError("flotilla runs: \(list.error)")
                    return ExitCode.unrunnable
                }
                printRuns(list.runs, json: json)
                return ExitCode.success
            }
        }
        let store = try openStore(stateDirectory(args.value("state")), command: "runs")
        printRuns(try store.runs(limit: limit).map {
            RunListEntry(id: $0.id, pipeline: $0.pipelineFileName, state: $0.state.rawValue, outcome: $0.outcome,
                         submitter: $0.submitter, revision: $0.sourceRevision, submittedAtMillis: $0.submittedAt,
                         finishedAtMillis: $0.finishedAt)
        }, json: json)
        return ExitCode.success
    }

    /// The runs as a table, or as `{"runs": [...]}` with `--json`; the same from the store and from a coordinator.
    static func printRuns(_ runs: [RunListEntry], json: Bool) {
        if json {
            let items = runs.map { run in
                "{\"id\": \(JSONWriter.quote(run.id)), \"pipeline\": \(JSONWriter.quote(run.pipeline)), "
                    + "\"state\": \(JSONWriter.quote(run.state)), "
                    + "\"outcome\": \(run.outcome.map { JSONWriter.quote(outcomeWord($0)) } ?? "null"), "
                    + "\"submitter\": \(JSONWriter.quote(run.submitter)), \"revision\": \(JSONWriter.quote(run.revision)), "
                    + "\"submitted_at_ms\": \(run.submittedAtMillis), \"finished_at_ms\": \(run.finishedAtMillis.map(String.init) ?? "null")}"
            }
            printLine("{\"runs\": [" + items.joined(separator: ", ") + "]}")
            return
        }
        var rows = [["RUN", "PIPELINE", "STATE", "OUTCOME", "SUBMITTED BY", "REVISION"]]
        for run in runs {
            rows.append([run.id, run.pipeline, run.state, run.outcome.map(outcomeWord) ?? "-",
                         run.submitter.isEmpty ? "-" : run.submitter, run.revision.isEmpty ? "-" : run.revision])
        }
        printLine(TextTable.render(rows))
    }

    /// `flotilla logs RUN [JOB] [--state DIR | --coordinator HOST:PORT --pki DIR --name CLIENT]`: the stored
    /// log of every job of the run, or of one job, each attempt under its own header.
    static func logs(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "logs", arguments: arguments,
                                    valueOptions: ["state", "coordinator", "pki", "name"], flagOptions: [])
        let runID = try args.positional(0, "RUN (a run id, see 'flotilla runs')")
        try args.noExtraPositionals(after: 2)
        let jobFilter = args.positionals.count > 1 ? args.positionals[1] : nil
        if let endpoint = try ClientEndpoint.parse(args, command: "logs") {
            let printer = StoredLogPrinter()
            return try OperatorClient.run(endpoint, command: "logs",
                                          request: .fetchLogs(FetchLogs(runID: runID, job: jobFilter ?? ""))) { message in
                printer.handle(message, command: "logs")
            }
        }
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
        let printer = StoredLogPrinter()
        for job in selected {
            for attempt in attempts where attempt.ref.jobID == job.planned.id {
                let bytes = try store.readLog(runID: runID, jobID: job.planned.id, attempt: attempt.ref.attempt)
                printer.attempt(LogAttempt(jobID: job.planned.id, name: job.planned.displayName, attempt: attempt.ref.attempt,
                                           agentName: attempt.agentName),
                                log: String(decoding: bytes, as: UTF8.self))
            }
        }
        return ExitCode.success
    }

    /// `flotilla agents [--state DIR | --coordinator HOST:PORT --pki DIR --name CLIENT] [--json]`: every
    /// agent the coordinator has seen, with its machine; a coordinator also says which are connected and busy.
    static func agents(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "agents", arguments: arguments,
                                    valueOptions: ["state", "coordinator", "pki", "name"], flagOptions: ["json"])
        try args.noExtraPositionals(after: 0)
        let json = args.flag("json")
        if let endpoint = try ClientEndpoint.parse(args, command: "agents") {
            return try OperatorClient.run(endpoint, command: "agents", request: .listAgents(ListAgents())) { message in
                guard case .agentList(let list) = message else { return nil }
                guard list.error.isEmpty else {
                    printError("flotilla agents: \(list.error)")
                    return ExitCode.unrunnable
                }
                printAgents(list.agents, json: json, live: true)
                return ExitCode.success
            }
        }
        let store = try openStore(stateDirectory(args.value("state")), command: "agents")
        printAgents(try store.agents().map {
            AgentListEntry(name: $0.name, labels: $0.labels, capacity: UInt32(clamping: $0.capacity), connected: false,
                           drained: $0.drained, running: 0, fingerprint: $0.fingerprint, lastSeenMillis: $0.lastSeen)
        }, json: json, live: false)
        return ExitCode.success
    }

    /// The agents as a table or `{"agents": [...]}`; `live` (from a coordinator) adds whether each
    /// is connected and how many jobs it runs, which a store read locally cannot know.
    static func printAgents(_ agents: [AgentListEntry], json: Bool, live: Bool) {
        if json {
            let items = agents.map { agent in
                let machine = agent.fingerprint.map {
                    "{\"os\": \(JSONWriter.quote($0.os)), \"arch\": \(JSONWriter.quote($0.arch)), "
                        + "\"cpu\": \(JSONWriter.quote($0.cpuModel)), \"cores\": \($0.cores), \"memory_bytes\": \($0.memoryBytes), "
                        + "\"kernel\": \(JSONWriter.quote($0.kernel))}"
                } ?? "null"
                let liveFields = live ? "\"connected\": \(agent.connected), \"running\": \(agent.running), " : ""
                return "{\"name\": \(JSONWriter.quote(agent.name)), \"labels\": [\(agent.labels.map(JSONWriter.quote).joined(separator: ", "))], "
                    + "\"capacity\": \(agent.capacity), \"drained\": \(agent.drained), \(liveFields)"
                    + "\"last_seen_ms\": \(agent.lastSeenMillis), \"machine\": \(machine)}"
            }
            printLine("{\"agents\": [" + items.joined(separator: ", ") + "]}")
            return
        }
        var rows = [["AGENT", "LABELS", "CAPACITY", "MACHINE", "DRAINED"] + (live ? ["CONNECTED", "RUNNING"] : [])]
        for agent in agents {
            let machine = agent.fingerprint.map { "\($0.os)/\($0.arch), \($0.cores) cores, \($0.memoryBytes >> 30) GiB" } ?? "-"
            rows.append([agent.name, agent.labels.joined(separator: ","), String(agent.capacity), machine,
                         agent.drained ? "yes" : "no"] + (live ? [agent.connected ? "yes" : "no", String(agent.running)] : []))
        }
        printLine(TextTable.render(rows))
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
