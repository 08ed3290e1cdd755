import FlotillaCore
import WireProtocol

/// What the coordinator knows about one connected agent.
public struct AgentRecord: Sendable, Equatable {
    public var connection: ConnectionID
    public var name: String
    public var labels: Set<String>
    public var capacity: Int
    public var fingerprint: MachineFingerprint?
    /// Job attempts placed on this agent and not finished yet.
    public var running: Set<JobRef>
    public var connectedAt: UInt64
    /// Drained: finishes what it runs, gets no new placements.
    public var drained: Bool
    /// The benchmark class its samples are compared within: what the agent declared
    /// (`--machine-class`), else derived from its fingerprint.
    public var machineClass: String

    public var freeSlots: Int { max(0, capacity - running.count) }

    public init(connection: ConnectionID, hello: Hello, now: UInt64, drained: Bool = false) {
        self.drained = drained
        self.connection = connection
        self.name = hello.name
        self.labels = Set(hello.labels)
        self.capacity = Int(hello.capacity)
        self.fingerprint = hello.fingerprint
        self.running = []
        self.connectedAt = now
        if !hello.machineClass.isEmpty {
            self.machineClass = hello.machineClass
        } else if let f = hello.fingerprint {
            self.machineClass = MachineClass.derive(os: f.os, arch: f.arch, cpuModel: f.cpuModel, cores: f.cores,
                                                    memoryBytes: f.memoryBytes, kernel: f.kernel)
        } else {
            self.machineClass = "unknown"
        }
    }
}
