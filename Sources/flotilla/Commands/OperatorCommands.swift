#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaCore
import FlotillaNet
import WireProtocol

/// `flotilla submit`, `wait`, `cancel`, `drain`: operating a coordinator's runs and fleet over TLS.
///
/// All need `--coordinator HOST:PORT --pki DIR --name CLIENT`: the embedded coordinator lives
/// only inside `flotilla run`.
enum OperatorCommands {
    /// `flotilla submit FILE [--source DIR] [--skip-uses] [--emergency]`: prints only the run id on stdout.
    ///
    /// The run is submitted detached, so it goes on after this process ends; exit 0 once the
    /// coordinator holds the run and its source, 2 when it refused it or could not be reached.
    static func submit(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "submit", arguments: arguments,
                                    valueOptions: ["coordinator", "pki", "name", "source", "state"],
                                    flagOptions: ["skip-uses", "emergency"])
        let file = try args.positional(0, "pipeline FILE")
        try args.noExtraPositionals(after: 1)
        let endpoint = try ClientEndpoint.required(args, command: "submit")
        let state = stateDirectory(args.value("state"))
        let source = args.value("source") ?? "."
        guard let pipelineText = RunCommand.readTextFile(file) else { return ExitCode.unrunnable }
        guard loadPlan(path: file, skipUses: args.flag("skip-uses")) != nil else { return ExitCode.unrunnable }
        try makeDirectories(state + "/client")
        let bundlePath = state + "/client/bundle-\(getpid()).tmp"
        defer { unlink(bundlePath) }
        let bundle: BundleInfo
        do {
            bundle = try SourceBundleBuilder.build(sourceDirectory: source, outputPath: bundlePath)
        } catch {
            printError("flotilla submit: cannot snapshot the source directory \(source): \(error)")
            return ExitCode.unrunnable
        }
        let submit = SubmitRun(pipelineFileName: file, pipelineText: pipelineText, bundleSHA256: bundle.sha256,
                               bundleSize: bundle.size, sourceRevision: bundle.sourceRevision,
                               emergency: args.flag("emergency"), detached: true)
        return try session(endpoint, command: "submit", submit: submit, bundlePath: bundlePath, mode: .submitOnly,
                           output: VerdictOutput())
    }

    /// `flotilla wait RUN [--json FILE --markdown FILE --junit FILE] [--verbose]`: follows a run; exits like `run`.
    static func wait(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "wait", arguments: arguments,
                                    valueOptions: ["coordinator", "pki", "name", "json", "markdown", "junit"],
                                    flagOptions: ["verbose"])
        let runID = try args.positional(0, "RUN (a run id, as 'flotilla submit' printed it)")
        try args.noExtraPositionals(after: 1)
        let endpoint = try ClientEndpoint.required(args, command: "wait")
        let output = VerdictOutput(jsonPath: args.value("json"), markdownPath: args.value("markdown"),
                                   junitPath: args.value("junit"))
        // Nothing is submitted in this mode; the request only satisfies the session's shape.
        let none = SubmitRun(pipelineFileName: "", pipelineText: "", bundleSHA256: "", bundleSize: 0, sourceRevision: "")
        return try session(endpoint, command: "wait", submit: none, bundlePath: "", mode: .watch(runID), output: output,
                           verbose: args.flag("verbose"))
    }

    /// `flotilla cancel RUN`: cancels the run's jobs (their process groups are killed) and ends it cancelled.
    static func cancel(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "cancel", arguments: arguments,
                                    valueOptions: ["coordinator", "pki", "name", "reason"], flagOptions: [])
        let runID = try args.positional(0, "RUN (a run id, see 'flotilla runs')")
        try args.noExtraPositionals(after: 1)
        let endpoint = try ClientEndpoint.required(args, command: "cancel")
        let reason = args.value("reason") ?? "cancelled by \(endpoint.name)"
        return try OperatorClient.run(endpoint, command: "cancel", request: .cancelRun(CancelRun(runID: runID, reason: reason)),
                                      answer: commandResult("cancel"))
    }

    /// `flotilla drain AGENT [--undo]`: the agent finishes its jobs and takes no new ones (or, with `--undo`, takes them again).
    static func drain(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "drain", arguments: arguments,
                                    valueOptions: ["coordinator", "pki", "name"], flagOptions: ["undo"])
        let agent = try args.positional(0, "AGENT (an agent name, see 'flotilla agents')")
        try args.noExtraPositionals(after: 1)
        let endpoint = try ClientEndpoint.required(args, command: "drain")
        return try OperatorClient.run(endpoint, command: "drain",
                                      request: .drainAgent(DrainAgent(name: agent, drain: !args.flag("undo"))),
                                      answer: commandResult("drain"))
    }

    /// Prints a `CommandResult`: its message on stdout when done (exit 0), on stderr when refused (exit 2).
    private static func commandResult(_ command: String) -> @Sendable (Message) -> Int32? {
        { message in
            guard case .commandResult(let result) = message else { return nil }
            if result.ok {
                printLine(result.message)
                return ExitCode.success
            }
            printError("flotilla \(command): \(result.message)")
            return ExitCode.unrunnable
        }
    }

    private static func session(_ endpoint: ClientEndpoint, command: String, submit: SubmitRun, bundlePath: String,
                                mode: RunClient.Mode, output: VerdictOutput, verbose: Bool = false) throws -> Int32 {
        try runLoopUntilExit(threadName: "flotilla-\(command)") { loop, residents, latch in
            let printer = RunProgressPrinter(stepNames: [:], verbose: verbose)
            printer.command = command
            let client = RunClient(loop: loop, target: endpoint.address, tls: endpoint.tls, clientName: endpoint.name,
                                   submit: submit, bundlePath: bundlePath, printer: printer, verdictOutput: output,
                                   mode: mode) { code in
                // A moment for the close to reach the coordinator.
                _ = loop.schedule(afterMillis: 50) { latch.resolve(code) }
            }
            residents.keep(client)
            client.start()
            return { _ in client.interrupt() }
        }
    }
}
