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

/// The embedded default: a coordinator and N agents in this process, on loopback TLS.
///
/// Everything goes through the same code and protocol as a real fleet; only the addresses
/// and the throwaway PKI (kept in the state directory and reused) differ.
struct EmbeddedFleet: Sendable {
    let stateDirectory: String
    let agentCount: Int
    let extraLabels: [String]
    let heartbeatIntervalMillis: UInt32
    let heartbeatTimeoutMillis: UInt32
    let verbose: Bool
    /// Per-job artifact upload limit of every local agent.
    var maxArtifactBytes: UInt64 = JobRunnerConfiguration.defaultMaxArtifactBytes

    static let clientName = "local"
    var pkiDirectory: String { stateDirectory + "/pki" }

    func agentName(_ index: Int) -> String { "local-\(index + 1)" }

    /// Creates the throwaway CA and certificates on first use; later runs reuse them.
    func preparePKI() throws {
        try makeDirectories(stateDirectory)
        if access(pkiDirectory + "/ca.crt", F_OK) != 0 {
            try PKI.initialize(directory: pkiDirectory, hosts: ["127.0.0.1"], overwrite: true)
        }
        for i in 0..<agentCount where access(PKI.paths(directory: pkiDirectory, role: "agent", name: agentName(i)).certificate, F_OK) != 0 {
            try PKI.issue(directory: pkiDirectory, role: "agent", name: agentName(i))
        }
        if access(PKI.paths(directory: pkiDirectory, role: "client", name: Self.clientName).certificate, F_OK) != 0 {
            try PKI.issue(directory: pkiDirectory, role: "client", name: Self.clientName)
        }
    }

    /// On the loop: starts the coordinator and agents; returns where the client connects.
    func start(on loop: EventLoop, residents: LoopResidents) throws -> ConnectTarget {
        let logger = Logger(label: "flotilla.embedded", level: verbose ? .info : .warning, sink: StderrLogSink())
        var configuration = CoordinatorConfiguration(
            listen: HostPort(host: "127.0.0.1", port: 0), pkiDirectory: pkiDirectory,
            stateDirectory: stateDirectory + "/coordinator",
            heartbeatIntervalMillis: heartbeatIntervalMillis, heartbeatTimeoutMillis: heartbeatTimeoutMillis)
        // A developer's machine: one run at a time needs far less room than a fleet's coordinator.
        configuration.minFreeStateBytes = 16 << 20
        let server = try CoordinatorServer(loop: loop, configuration: configuration, logger: logger)
        residents.keep(server)
        let target = HostPort(host: "127.0.0.1", port: server.port)
        let labels = Array(Set(defaultLabels() + ["local", "self-hosted"] + extraLabels)).sorted()
        for i in 0..<agentCount {
            let agent = try AgentRuntime(
                loop: loop,
                configuration: AgentConfiguration(
                    coordinator: target, pkiDirectory: pkiDirectory, name: agentName(i), labels: labels, capacity: 1,
                    workDirectory: stateDirectory + "/agents/" + agentName(i), fingerprint: MachineFingerprint.probe(),
                    backoff: ReconnectBackoff(initialMillis: 20, maxMillis: 1_000), killGraceMillis: 2_000,
                    maxArtifactBytes: maxArtifactBytes),
                logger: logger)
            residents.keep(agent)
            agent.start()
        }
        let tls = try TLSConfiguration.forPeer(pkiDirectory: pkiDirectory, role: "client", name: Self.clientName)
        let expected = agentCount
        return ConnectTarget(address: target, tls: tls, clientName: Self.clientName,
                             isReady: { server.agentCount >= expected })
    }
}
