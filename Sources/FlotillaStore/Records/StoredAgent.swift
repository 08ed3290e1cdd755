import WireProtocol

/// An agent the coordinator has seen, with its operator-set drain flag.
public struct StoredAgent: Sendable, Equatable {
    /// The certificate name; agents are keyed by it across reconnects.
    public var name: String
    /// As last reported, in the order reported.
    public var labels: [String]
    public var capacity: Int
    public var fingerprint: MachineFingerprint?
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Drained agents finish what they run and get nothing new; survives restarts and reconnects.
    public var drained: Bool

    public init(name: String, labels: [String], capacity: Int, fingerprint: MachineFingerprint?,
                firstSeen: Int64, lastSeen: Int64, drained: Bool = false) {
        self.name = name; self.labels = labels; self.capacity = capacity; self.fingerprint = fingerprint
        self.firstSeen = firstSeen; self.lastSeen = lastSeen; self.drained = drained
    }
}
