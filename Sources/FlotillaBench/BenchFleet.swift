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

/// A coordinator, N agents and a client in this process, talking mutual TLS over loopback.
///
/// Wired like the CLI's embedded default (`EmbeddedFleet`), with one difference: the
/// coordinator, the agents and the client each get their own event loop (thread), since in
/// a real fleet they are separate processes and must not queue behind each other's I/O.
/// The eight agents share one loop: their loop work is small (decode, forward events); jobs
/// run off-loop in `JobRunner`, as they do in `flotilla agent`.
final class BenchFleet: Sendable {
    static let label = "bench"
    let directory: String
    let agentCount: Int
    let coordinatorLoop: EventLoop
    let agentLoop: EventLoop
    let clientLoop: EventLoop
    private let server: LoopBound<CoordinatorServer>
    private let agents: LoopBound<[AgentRuntime]>
    let client: LoopBound<BenchClient>
    let sink: TimestampLogSink

    /// Creates the PKI under `directory`, starts everything and waits until all agents have
    /// registered and the client session is established.
    static func start(directory: String, agentCount: Int, sink: TimestampLogSink) throws(BenchError) -> BenchFleet {
        let pki = directory + "/pki"
        let agentNames = (1...agentCount).map { "bench-\($0)" }
        do {
            try PKI.initialize(directory: pki, hosts: ["127.0.0.1"], overwrite: true)
            for name in agentNames { try PKI.issue(directory: pki, role: "agent", name: name) }
            try PKI.issue(directory: pki, role: "client", name: "bench")
        } catch {
            throw .setup("cannot create the benchmark PKI in \(pki): \(error)")
        }
        let logger = Logger(label: "flotilla.bench", level: .info, sink: sink)
        let loops: [EventLoop]
        do {
            loops = try ["bench-coordinator", "bench-agents", "bench-client"].map { try EventLoop.startOnNewThread(name: $0) }
        } catch {
            throw .setup("cannot start the event loops: \(error)")
        }
        let (coordinatorLoop, agentLoop, clientLoop) = (loops[0], loops[1], loops[2])
        let server = try runOnLoop(coordinatorLoop, "starting the coordinator") {
            LoopBound(try CoordinatorServer(
                loop: coordinatorLoop,
                configuration: CoordinatorConfiguration(listen: HostPort(host: "127.0.0.1", port: 0), pkiDirectory: pki,
                                                        stateDirectory: directory + "/coordinator"),
                logger: logger), eventLoop: coordinatorLoop)
        }
        let port = try runOnLoop(coordinatorLoop, "reading the coordinator port") { server.value.port }
        let target = HostPort(host: "127.0.0.1", port: port)
        let fingerprint = MachineFingerprint.probe()
        let agents = try runOnLoop(agentLoop, "starting the agents") {
            let runtimes = try agentNames.map { name in
                try AgentRuntime(
                    loop: agentLoop,
                    configuration: AgentConfiguration(
                        coordinator: target, pkiDirectory: pki, name: name, labels: [label], capacity: 1,
                        workDirectory: directory + "/agents/" + name, fingerprint: fingerprint,
                        backoff: ReconnectBackoff(initialMillis: 20, maxMillis: 1_000), killGraceMillis: 2_000),
                    logger: logger)
            }
            for runtime in runtimes { runtime.start() }
            return LoopBound(runtimes, eventLoop: agentLoop)
        }
        let tls: TLSConfiguration
        do {
            tls = try TLSConfiguration.forPeer(pkiDirectory: pki, role: "client", name: "bench")
        } catch {
            throw .setup("cannot load the client certificate: \(error)")
        }
        let client = try runOnLoop(clientLoop, "creating the client") {
            LoopBound(BenchClient(loop: clientLoop, target: target, tls: tls, name: "bench"), eventLoop: clientLoop)
        }
        let fleet = BenchFleet(directory: directory, agentCount: agentCount, coordinatorLoop: coordinatorLoop,
                               agentLoop: agentLoop, clientLoop: clientLoop, server: server, agents: agents,
                               client: client, sink: sink)
        try fleet.waitForAgents(seconds: 20)
        let connected = Completion<Result<Void, BenchError>>()
        _ = clientLoop.execute { client.value.connect { connected.resolve($0) } }
        guard let result = connected.wait(seconds: 20) else { throw .timedOut("connecting the client") }
        try result.get()
        return fleet
    }

    private init(directory: String, agentCount: Int, coordinatorLoop: EventLoop, agentLoop: EventLoop,
                 clientLoop: EventLoop, server: LoopBound<CoordinatorServer>, agents: LoopBound<[AgentRuntime]>,
                 client: LoopBound<BenchClient>, sink: TimestampLogSink) {
        self.directory = directory; self.agentCount = agentCount
        self.coordinatorLoop = coordinatorLoop; self.agentLoop = agentLoop; self.clientLoop = clientLoop
        self.server = server; self.agents = agents; self.client = client; self.sink = sink
    }

    /// Polls (every 10 ms, bounded) until every agent completed its handshake.
    private func waitForAgents(seconds: Double) throws(BenchError) {
        let deadline = BenchClock.monotonicMicros() + Int64(seconds * 1_000_000)
        let server = self.server
        while true {
            let registered = try runOnLoop(coordinatorLoop, "counting agents") { server.value.agentCount }
            if registered >= agentCount { return }
            if BenchClock.monotonicMicros() > deadline {
                throw .timedOut("only \(registered) of \(agentCount) agents registered within \(Int(seconds)) s")
            }
            usleep(10_000)
        }
    }

    /// Submits a run and blocks until its `RunFinished` (or failure), at most `seconds`.
    func run(_ submit: SubmitRun, bundlePath: String, seconds: Double) throws(BenchError) -> BenchClient.Completed {
        let done = Completion<Result<BenchClient.Completed, BenchError>>()
        let client = self.client
        guard clientLoop.execute({ client.value.submit(submit, bundlePath: bundlePath) { done.resolve($0) } }) else {
            throw .session("the client loop has shut down")
        }
        guard let result = done.wait(seconds: seconds) else {
            throw .timedOut("run did not finish within \(Int(seconds)) s")
        }
        return try result.get()
    }

    /// CPU time the coordinator's loop thread has used so far, in microseconds.
    func coordinatorCPUMicros() throws(BenchError) -> Int64 {
        try runOnLoop(coordinatorLoop, "reading the coordinator's CPU time") { CPUTime.currentThreadMicros() }
    }

    /// Closes the client, stops agents and coordinator, and stops the loops.
    func shutdown() {
        sink.silence()
        let (client, agents, server) = (self.client, self.agents, self.server)
        _ = try? runOnLoop(clientLoop, "closing the client", seconds: 5) { client.value.close() }
        _ = try? runOnLoop(agentLoop, "stopping the agents", seconds: 5) { for agent in agents.value { agent.stop() } }
        _ = try? runOnLoop(coordinatorLoop, "stopping the coordinator", seconds: 5) { server.value.stop() }
        for loop in [clientLoop, agentLoop, coordinatorLoop] {
            loop.shutdown()
            loop.waitUntilStopped()
        }
    }
}
