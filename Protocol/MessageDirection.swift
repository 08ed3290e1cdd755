/// Which peer may send which message to which (PROTOCOL.md, "Message directions").
extension MessageType {
    /// Whether a peer with role `sender` may send this message to a peer with role `receiver`.
    ///
    /// Every connection has the coordinator on one end; agents and clients never talk to
    /// each other, and coordinators do not connect to coordinators.
    public func isAllowed(from sender: PeerRole, to receiver: PeerRole) -> Bool {
        switch (sender, receiver) {
        case (.agent, .coordinator): return Self.agentToCoordinator.contains(self)
        case (.client, .coordinator): return Self.clientToCoordinator.contains(self)
        case (.coordinator, .agent): return Self.coordinatorToAgent.contains(self)
        case (.coordinator, .client): return Self.coordinatorToClient.contains(self)
        default: return false
        }
    }

    private static let agentToCoordinator: Set<MessageType> = [
        .hello, .heartbeat, .error, .jobStarted, .stepStarted, .stepFinished, .logChunk, .jobFinished,
        .metricSamples, .bundleRequest, .bundleChunk,
        .artifactBegin, .artifactChunk, .artifactEnd, .artifactRefused,
    ]
    private static let clientToCoordinator: Set<MessageType> = [
        .hello, .heartbeat, .error, .submitRun, .bundleRequest, .bundleChunk,
        .listArtifacts, .fetchArtifact,
        .watchRun, .cancelRun, .drainAgent, .listRuns, .listAgents, .fetchLogs,
    ]
    private static let coordinatorToAgent: Set<MessageType> = [
        .welcome, .heartbeat, .error, .assignJob, .cancelJob, .bundleRequest, .bundleChunk,
        .artifactAck,
    ]
    private static let coordinatorToClient: Set<MessageType> = [
        .welcome, .heartbeat, .error, .runAccepted, .runRejected, .jobEvent, .runFinished,
        .bundleRequest, .bundleChunk, .stepStarted, .stepFinished, .logChunk,
        .artifactRefused, .artifactStored, .artifactList, .artifactData,
        .commandResult, .runList, .agentList, .logListing,
    ]
}
