#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaAgent
import FlotillaCoordinator
import FlotillaCore
import FlotillaNet
import FlotillaTLS
import WireProtocol

/// `flotilla run FILE`: plan locally, snapshot the source, submit, follow, summarise.
///
/// Without `--coordinator` it starts the embedded default: an in-process coordinator and
/// one local agent per core on loopback, with a throwaway PKI in the state directory.
enum RunCommand {
    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(
            command: "run", arguments: arguments,
            valueOptions: ["coordinator", "pki", "name", "source", "state", "agents", "labels",
                           "heartbeat-interval-ms", "heartbeat-timeout-ms", "max-artifact-bytes",
                           "json", "markdown", "junit"],
            flagOptions: ["skip-uses", "verbose", "emergency"])
        let file = try args.positional(0, "pipeline FILE")
        try args.noExtraPositionals(after: 1)
        let state = stateDirectory(args.value("state"))
        let source = args.value("source") ?? "."

        guard let pipelineText = readTextFile(file) else { return ExitCode.unrunnable }
        guard let plan = loadPlan(path: file, skipUses: args.flag("skip-uses")) else { return ExitCode.unrunnable }

        try makeDirectories(state + "/client")
        let bundlePath = state + "/client/bundle-\(getpid()).tmp"
        defer { unlink(bundlePath) }
        let bundle: BundleInfo
        do {
            bundle = try SourceBundleBuilder.build(sourceDirectory: source, outputPath: bundlePath)
        } catch {
            printError("flotilla run: cannot snapshot the source directory \(source): \(error)")
            return ExitCode.unrunnable
        }
        let submit = SubmitRun(pipelineFileName: file, pipelineText: pipelineText, bundleSHA256: bundle.sha256,
                               bundleSize: bundle.size, sourceRevision: bundle.sourceRevision,
                               emergency: args.flag("emergency"))
        let output = VerdictOutput(jsonPath: args.value("json"), markdownPath: args.value("markdown"),
                                   junitPath: args.value("junit"))
        var stepNames: [String: [String]] = [:]
        // As the coordinator runs it: `list:` shards start with a discovery job.
        for job in ShardDiscovery.addingDiscoveryJobs(to: plan).plan.jobs { stepNames[job.id] = job.steps.map(\.name) }
        let verbose = args.flag("verbose")

        if let coordinator = args.value("coordinator") {
            let target = try HostPort.parse(coordinator)
            let pki = try args.required("pki", "DIR holding ca.crt and client-NAME.crt/.key (with --coordinator)")
            let name = try args.required("name", "CLIENT (the name of your client certificate, with --coordinator)")
            let tls = try TLSConfiguration.forPeer(pkiDirectory: pki, role: "client", name: name)
            return try follow(submit: submit, bundlePath: bundlePath, stepNames: stepNames, verbose: verbose, output: output) { _, _ in
                ConnectTarget(address: target, tls: tls, clientName: name, isReady: nil)
            }
        }

        let agents = try args.integer("agents", default: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))), range: 1...64)
        let embedded = EmbeddedFleet(stateDirectory: state, agentCount: agents,
                                     extraLabels: parseLabels(args.value("labels")) ?? [],
                                     heartbeatIntervalMillis: UInt32(try args.integer("heartbeat-interval-ms", default: 1_000, range: 50...60_000)),
                                     heartbeatTimeoutMillis: UInt32(try args.integer("heartbeat-timeout-ms", default: 5_000, range: 100...600_000)),
                                     verbose: verbose,
                                     maxArtifactBytes: try args.byteCount("max-artifact-bytes",
                                                                          default: JobRunnerConfiguration.defaultMaxArtifactBytes))
        try embedded.preparePKI()
        return try follow(submit: submit, bundlePath: bundlePath, stepNames: stepNames, verbose: verbose, output: output) { loop, residents in
            try embedded.start(on: loop, residents: residents)
        }
    }

    /// Runs the client on a fresh loop until the run ends or the user interrupts.
    ///
    /// - Parameter connectTo: on the loop, returns where to connect (starting what it must first).
    private static func follow(
        submit: SubmitRun, bundlePath: String, stepNames: [String: [String]], verbose: Bool, output: VerdictOutput,
        connectTo: @escaping @Sendable (EventLoop, LoopResidents) throws -> ConnectTarget
    ) throws -> Int32 {
        try runLoopUntilExit(threadName: "flotilla-run") { loop, residents, latch in
            let target = try connectTo(loop, residents)
            let printer = RunProgressPrinter(stepNames: stepNames, verbose: verbose)
            let client = RunClient(loop: loop, target: target.address, tls: target.tls, clientName: target.clientName,
                                   submit: submit, bundlePath: bundlePath, printer: printer,
                                   verdictOutput: output) { code in
                // A moment for the close to reach the coordinator, so it cancels nothing by mistake.
                _ = loop.schedule(afterMillis: 50) { latch.resolve(code) }
            }
            residents.keep(client)
            startWhenReady(loop: loop, deadline: loop.nowMillis() + 15_000, isReady: target.isReady) {
                client.start()
            }
            return { _ in client.interrupt() }
        }
    }

    /// Waits (bounded) until the embedded agents have registered, so placement sees them all.
    private static func startWhenReady(loop: EventLoop, deadline: UInt64, isReady: (() -> Bool)?,
                                       start: @escaping () -> Void) {
        guard let isReady, !isReady(), loop.nowMillis() < deadline else { return start() }
        _ = loop.schedule(afterMillis: 10) { startWhenReady(loop: loop, deadline: deadline, isReady: isReady, start: start) }
    }

    static func readTextFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else {
            printError("flotilla run: cannot read \(path): \(String(cString: strerror(errno)))")
            return nil
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n > 0 { bytes += buffer[0..<n] }
            if n < buffer.count { break }
            if bytes.count > 4 << 20 {
                printError("flotilla run: \(path) is larger than 4 MiB; a pipeline file is expected")
                return nil
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Where the run client connects, and (embedded) when the fleet is ready for it.
struct ConnectTarget {
    let address: HostPort
    let tls: TLSConfiguration
    let clientName: String
    /// Polled on the loop before connecting; nil connects at once.
    let isReady: (() -> Bool)?
}
