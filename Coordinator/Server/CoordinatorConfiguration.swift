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
    /// After a restart, how long a job that was placed waits for its agent to reconnect and
    /// report it before it counts as lost. Longer than the agents' largest reconnect delay (30 s).
    public var reclaimWindowMillis: UInt64
    /// New runs are refused while the state directory's filesystem has less free space than this.
    public var minFreeStateBytes: UInt64 = 256 << 20

    public init(listen: HostPort, pkiDirectory: String, stateDirectory: String, name: String = "coordinator",
                heartbeatIntervalMillis: UInt32 = 1_000, heartbeatTimeoutMillis: UInt32 = 5_000,
                limits: ConnectionLimits = .default, reclaimWindowMillis: UInt64 = 60_000) {
        self.listen = listen; self.pkiDirectory = pkiDirectory; self.stateDirectory = stateDirectory
        self.name = name; self.heartbeatIntervalMillis = heartbeatIntervalMillis
        self.heartbeatTimeoutMillis = heartbeatTimeoutMillis; self.limits = limits
        self.reclaimWindowMillis = reclaimWindowMillis
    }
}
