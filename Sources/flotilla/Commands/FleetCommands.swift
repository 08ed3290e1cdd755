#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaAgent
import FlotillaCoordinator
import FlotillaCore
import FlotillaNet
import WireProtocol

/// Options shared by the long-running fleet commands.
private let heartbeatOptions: Set<String> = ["heartbeat-interval-ms", "heartbeat-timeout-ms"]

/// `flotilla coordinator --listen HOST:PORT --pki DIR --state DIR`: serves until SIGINT/SIGTERM.
enum CoordinatorCommand {
    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "coordinator", arguments: arguments,
                                    valueOptions: Set(["listen", "pki", "state", "min-free-mb"]).union(heartbeatOptions),
                                    flagOptions: ["verbose"])
        try args.noExtraPositionals(after: 0)
        let listen = try HostPort.parse(try args.required("listen", "HOST:PORT"))
        let pki = try args.required("pki", "DIR (made by 'flotilla pki init')")
        let state = try args.required("state", "DIR (durable coordinator state)")
        let interval = try args.integer("heartbeat-interval-ms", default: 1_000, range: 50...60_000)
        let timeout = try args.integer("heartbeat-timeout-ms", default: 5_000, range: 100...600_000)
        guard timeout > interval else {
            throw UsageError(command: "coordinator", message: "--heartbeat-timeout-ms must exceed --heartbeat-interval-ms")
        }
        let minFree = try args.integer("min-free-mb", default: 256, range: 0...1_048_576)
        try makeDirectories(state)
        var configuration = CoordinatorConfiguration(
            listen: listen, pkiDirectory: pki, stateDirectory: state,
            heartbeatIntervalMillis: UInt32(interval), heartbeatTimeoutMillis: UInt32(timeout))
        configuration.minFreeStateBytes = UInt64(minFree) << 20
        let serving = configuration
        let logger = makeLogger("flotilla.coordinator", verbose: args.flag("verbose"))
        return try serveUntilSignalled { loop, residents, latch in
            let server = try CoordinatorServer(loop: loop, configuration: serving, logger: logger)
            residents.keep(server)
            // Scripts and tests read the port from this line when listening on port 0.
            printLine("flotilla coordinator listening on \(HostPort(host: listen.host, port: server.port))")
            return { server.stop() }
        }
    }
}

/// `flotilla agent --coordinator HOST:PORT --pki DIR --name N --labels l1,l2 --capacity K --work-dir W
/// [--machine-class NAME]`.
enum AgentCommand {
    static func main(_ arguments: [String]) throws -> Int32 {
        let args = try ArgumentList(command: "agent", arguments: arguments,
                                    valueOptions: ["coordinator", "pki", "name", "labels", "capacity", "work-dir",
                                                   "kill-grace-ms", "max-artifact-bytes", "machine-class"],
                                    flagOptions: ["verbose", "keep-workspaces", "inject-artifact-corruption"])
        try args.noExtraPositionals(after: 0)
        let coordinator = try HostPort.parse(try args.required("coordinator", "HOST:PORT"))
        let pki = try args.required("pki", "DIR holding ca.crt and agent-NAME.crt/.key")
        let name = try args.required("name", "NAME (the CN of the agent's certificate)")
        let labels = parseLabels(args.value("labels")) ?? defaultLabels()
        let capacity = try args.integer("capacity", default: 1, range: 1...1024)
        let workDir = try args.required("work-dir", "DIR (job workspaces and bundle cache)")
        let grace = try args.integer("kill-grace-ms", default: 5_000, range: 0...600_000)
        let machineClass = args.value("machine-class") ?? ""
        if args.value("machine-class") != nil {
            do {
                try MachineClass.validate(machineClass)
            } catch {
                throw UsageError(command: "agent", message: "--machine-class: \(error)")
            }
        }
        try makeDirectories(workDir)
        let configuration = AgentConfiguration(
            coordinator: coordinator, pkiDirectory: pki, name: name, labels: labels, capacity: capacity,
            workDirectory: workDir, fingerprint: MachineFingerprint.probe(), killGraceMillis: UInt64(grace),
            keepWorkspaces: args.flag("keep-workspaces"),
            maxArtifactBytes: try args.byteCount("max-artifact-bytes", default: JobRunnerConfiguration.defaultMaxArtifactBytes),
            // Fault injection for the end-to-end tests; deliberately not in the usage text.
            corruptFirstArtifactTransmission: args.flag("inject-artifact-corruption"), machineClass: machineClass)
        let logger = makeLogger("flotilla.agent", verbose: args.flag("verbose"))
        return try serveUntilSignalled { loop, residents, _ in
            let agent = try AgentRuntime(loop: loop, configuration: configuration, logger: logger)
            residents.keep(agent)
            agent.start()
            return { agent.stop() }
        }
    }
}

/// Splits `l1,l2` into labels; nil when absent.
func parseLabels(_ text: String?) -> [String]? {
    guard let text else { return nil }
    let labels = text.split(separator: ",").map { String($0).trimmed }.filter { !$0.isEmpty }
    return labels
}

/// `linux` and the architecture (`x64`, `arm64`), like hosted runners' labels.
func defaultLabels() -> [String] {
    let fingerprint = MachineFingerprint.probe()
    let os = fingerprint.os.lowercased()
    let arch: String
    switch fingerprint.arch {
    case "x86_64", "amd64": arch = "x64"
    case "aarch64", "arm64": arch = "arm64"
    default: arch = fingerprint.arch.lowercased()
    }
    return [os, arch]
}

extension String {
    var trimmed: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// Runs the objects `setup` creates until SIGINT/SIGTERM; then calls the returned stop
/// function and gives connections a moment to close cleanly.
func serveUntilSignalled(
    _ setup: @escaping @Sendable (EventLoop, LoopResidents, ExitLatch) throws -> (() -> Void)
) throws -> Int32 {
    try runLoopUntilExit(threadName: "flotilla-loop") { loop, residents, latch in
        let stop = try setup(loop, residents, latch)
        return { signal in
            stop()
            // Let close_notify and Error frames reach peers before the process ends.
            _ = loop.schedule(afterMillis: 300) { latch.resolve(signal == SIGINT ? 130 : ExitCode.success) }
        }
    }
}
