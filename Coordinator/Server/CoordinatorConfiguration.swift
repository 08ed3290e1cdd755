import FlotillaNet

/// Everything a coordinator process needs to start.
public struct CoordinatorConfiguration: Sendable {
    /// Where to listen; port 0 picks a free port (see `CoordinatorServer.port`).
    public var listen: HostPort
    /// Holds `ca.crt`, `coordinator.crt`, `coordinator.key` (see `flotilla pki init`).
    public var pkiDirectory: String
    /// Durable state: uploaded source bundles under `bundles/`.
    public var stateDirectory: String
    /// Shown to peers in `Welcome`.
    public var name: String
    /// Each side sends a heartbeat after this much quiet.
    public var heartbeatIntervalMillis: UInt32
    /// A peer silent this long is lost; its jobs end as `agent-lost`.
    public var heartbeatTimeoutMillis: UInt32
    public var limits: ConnectionLimits

    public init(listen: HostPort, pkiDirectory: String, stateDirectory: String, name: String = "coordinator",
                heartbeatIntervalMillis: UInt32 = 1_000, heartbeatTimeoutMillis: UInt32 = 5_000,
                limits: ConnectionLimits = .default) {
        self.listen = listen; self.pkiDirectory = pkiDirectory; self.stateDirectory = stateDirectory
        self.name = name; self.heartbeatIntervalMillis = heartbeatIntervalMillis
        self.heartbeatTimeoutMillis = heartbeatTimeoutMillis; self.limits = limits
    }
}
