extension Message {
    /// The type code this message travels under.
    public var messageType: MessageType {
        switch self {
        case .hello: return .hello
        case .welcome: return .welcome
        case .heartbeat: return .heartbeat
        case .error: return .error
        case .submitRun: return .submitRun
        case .runAccepted: return .runAccepted
        case .runRejected: return .runRejected
        case .jobEvent: return .jobEvent
        case .runFinished: return .runFinished
        case .watchRun: return .watchRun
        case .cancelRun: return .cancelRun
        case .drainAgent: return .drainAgent
        case .commandResult: return .commandResult
        case .listRuns: return .listRuns
        case .runList: return .runList
        case .fetchLogs: return .fetchLogs
        case .logListing: return .logListing
        case .listAgents: return .listAgents
        case .agentList: return .agentList
        case .assignJob: return .assignJob
        case .jobStarted: return .jobStarted
        case .stepStarted: return .stepStarted
        case .stepFinished: return .stepFinished
        case .logChunk: return .logChunk
        case .jobFinished: return .jobFinished
        case .cancelJob: return .cancelJob
        case .metricSamples: return .metricSamples
        case .bundleRequest: return .bundleRequest
        case .bundleChunk: return .bundleChunk
        case .artifactBegin: return .artifactBegin
        case .artifactChunk: return .artifactChunk
        case .artifactEnd: return .artifactEnd
        case .artifactRefused: return .artifactRefused
        case .artifactAck: return .artifactAck
        case .artifactStored: return .artifactStored
        case .listArtifacts: return .listArtifacts
        case .fetchArtifact: return .fetchArtifact
        case .artifactList: return .artifactList
        case .artifactData: return .artifactData
        }
    }
}
