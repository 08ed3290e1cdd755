/// Encodes message bodies and decodes them back, per the field tables in PROTOCOL.md.
///
/// A body is everything after a frame's type byte. Encoding cannot fail; decoding checks
/// every length, count, tag and enum value, applies `ProtocolLimits`, and rejects trailing
/// bytes, so a decoded message is exactly what a conforming peer could have sent.
public enum MessageCodec {
    /// Encodes a message's body (without frame length or type byte).
    public static func encodeBody(_ message: Message) -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        encodeBody(message, into: &writer)
        return writer.bytes
    }

    /// Appends a message's body to `writer`.
    public static func encodeBody(_ message: Message, into writer: inout ByteWriter) {
        switch message {
        case .hello(let m): m.encode(into: &writer)
        case .welcome(let m): m.encode(into: &writer)
        case .heartbeat(let m): m.encode(into: &writer)
        case .error(let m): m.encode(into: &writer)
        case .submitRun(let m): m.encode(into: &writer)
        case .runAccepted(let m): m.encode(into: &writer)
        case .runRejected(let m): m.encode(into: &writer)
        case .jobEvent(let m): m.encode(into: &writer)
        case .runFinished(let m): m.encode(into: &writer)
        case .watchRun(let m): m.encode(into: &writer)
        case .cancelRun(let m): m.encode(into: &writer)
        case .drainAgent(let m): m.encode(into: &writer)
        case .commandResult(let m): m.encode(into: &writer)
        case .listRuns(let m): m.encode(into: &writer)
        case .runList(let m): m.encode(into: &writer)
        case .fetchLogs(let m): m.encode(into: &writer)
        case .logListing(let m): m.encode(into: &writer)
        case .listAgents(let m): m.encode(into: &writer)
        case .agentList(let m): m.encode(into: &writer)
        case .assignJob(let m): m.encode(into: &writer)
        case .jobStarted(let m): m.encode(into: &writer)
        case .stepStarted(let m): m.encode(into: &writer)
        case .stepFinished(let m): m.encode(into: &writer)
        case .logChunk(let m): m.encode(into: &writer)
        case .jobFinished(let m): m.encode(into: &writer)
        case .cancelJob(let m): m.encode(into: &writer)
        case .metricSamples(let m): m.encode(into: &writer)
        case .bundleRequest(let m): m.encode(into: &writer)
        case .bundleChunk(let m): m.encode(into: &writer)
        case .artifactBegin(let m): m.encode(into: &writer)
        case .artifactChunk(let m): m.encode(into: &writer)
        case .artifactEnd(let m): m.encode(into: &writer)
        case .artifactRefused(let m): m.encode(into: &writer)
        case .artifactAck(let m): m.encode(into: &writer)
        case .artifactStored(let m): m.encode(into: &writer)
        case .listArtifacts(let m): m.encode(into: &writer)
        case .fetchArtifact(let m): m.encode(into: &writer)
        case .artifactList(let m): m.encode(into: &writer)
        case .artifactData(let m): m.encode(into: &writer)
        }
    }

    /// Decodes one message body.
    ///
    /// - Parameters:
    ///   - type: The frame's type byte.
    ///   - body: The bytes after the type byte; all of them must belong to the message.
    ///   - limits: Field limits to enforce.
    /// - Returns: The decoded message.
    /// - Throws: `.unknownMessageType`, `.malformed` (truncated, bad tag/bool/enum, invalid
    ///   UTF-8, trailing bytes) or `.limitExceeded`.
    public static func decode(type: UInt8, body: ArraySlice<UInt8>,
                              limits: ProtocolLimits = .default) throws(ProtocolError) -> Message {
        guard let messageType = MessageType(rawValue: type) else { throw .unknownMessageType(type) }
        var reader = ByteReader(body, message: messageType)
        let message = try decodeBody(messageType, from: &reader, limits: limits)
        try reader.expectEnd()
        return message
    }

    /// Decodes one message body from any byte collection (copied into an array first).
    public static func decode(type: UInt8, body: some Collection<UInt8>,
                              limits: ProtocolLimits = .default) throws(ProtocolError) -> Message {
        try decode(type: type, body: ArraySlice(body), limits: limits)
    }

    private static func decodeBody(_ type: MessageType, from r: inout ByteReader,
                                   limits: ProtocolLimits) throws(ProtocolError) -> Message {
        switch type {
        case .hello: return .hello(try Hello.decode(from: &r, limits: limits))
        case .welcome: return .welcome(try Welcome.decode(from: &r, limits: limits))
        case .heartbeat: return .heartbeat(try Heartbeat.decode(from: &r))
        case .error: return .error(try ProtocolErrorMessage.decode(from: &r, limits: limits))
        case .submitRun: return .submitRun(try SubmitRun.decode(from: &r, limits: limits))
        case .runAccepted: return .runAccepted(try RunAccepted.decode(from: &r, limits: limits))
        case .runRejected: return .runRejected(try RunRejected.decode(from: &r, limits: limits))
        case .jobEvent: return .jobEvent(try JobEvent.decode(from: &r, limits: limits))
        case .runFinished: return .runFinished(try RunFinished.decode(from: &r, limits: limits))
        case .watchRun: return .watchRun(try WatchRun.decode(from: &r, limits: limits))
        case .cancelRun: return .cancelRun(try CancelRun.decode(from: &r, limits: limits))
        case .drainAgent: return .drainAgent(try DrainAgent.decode(from: &r, limits: limits))
        case .commandResult: return .commandResult(try CommandResult.decode(from: &r, limits: limits))
        case .listRuns: return .listRuns(try ListRuns.decode(from: &r))
        case .runList: return .runList(try RunList.decode(from: &r, limits: limits))
        case .fetchLogs: return .fetchLogs(try FetchLogs.decode(from: &r, limits: limits))
        case .logListing: return .logListing(try LogListing.decode(from: &r, limits: limits))
        case .listAgents: return .listAgents(try ListAgents.decode(from: &r))
        case .agentList: return .agentList(try AgentList.decode(from: &r, limits: limits))
        case .assignJob: return .assignJob(try JobAssignment.decode(from: &r, limits: limits))
        case .jobStarted: return .jobStarted(try JobStarted.decode(from: &r, limits: limits))
        case .stepStarted: return .stepStarted(try StepStarted.decode(from: &r, limits: limits))
        case .stepFinished: return .stepFinished(try StepFinished.decode(from: &r, limits: limits))
        case .logChunk: return .logChunk(try LogChunk.decode(from: &r, limits: limits))
        case .jobFinished: return .jobFinished(try JobFinished.decode(from: &r, limits: limits))
        case .cancelJob: return .cancelJob(try CancelJob.decode(from: &r, limits: limits))
        case .metricSamples: return .metricSamples(try MetricSamples.decode(from: &r, limits: limits))
        case .bundleRequest: return .bundleRequest(try BundleRequest.decode(from: &r, limits: limits))
        case .bundleChunk: return .bundleChunk(try BundleChunk.decode(from: &r, limits: limits))
        case .artifactBegin: return .artifactBegin(try ArtifactBegin.decode(from: &r, limits: limits))
        case .artifactChunk: return .artifactChunk(try ArtifactChunk.decode(from: &r, limits: limits))
        case .artifactEnd: return .artifactEnd(try ArtifactEnd.decode(from: &r, limits: limits))
        case .artifactRefused: return .artifactRefused(try ArtifactRefused.decode(from: &r, limits: limits))
        case .artifactAck: return .artifactAck(try ArtifactAck.decode(from: &r, limits: limits))
        case .artifactStored: return .artifactStored(try ArtifactStored.decode(from: &r, limits: limits))
        case .listArtifacts: return .listArtifacts(try ListArtifacts.decode(from: &r, limits: limits))
        case .fetchArtifact: return .fetchArtifact(try FetchArtifact.decode(from: &r, limits: limits))
        case .artifactList: return .artifactList(try ArtifactList.decode(from: &r, limits: limits))
        case .artifactData: return .artifactData(try ArtifactData.decode(from: &r, limits: limits))
        }
    }
}

/// Smallest encodings of list elements, used to reject impossible counts before allocating.
enum MinimumEncodedSize {
    static let string = 4
    static let jobRef = 4 + 4 + 4
    static let logAttempt = 4 + 4 + 4 + 4
    static let envVar = 4 + 4
    static let plannedJobSummary = 4 + 4
    static let jobSummary = 4 + 4 + 4 + 1 + 8 + 1 + 4
    static let stepSpec = 4 + 4 + 4 + 4 + 1 + 4 + 4 + 8 + 1
    static let artifactRequest = 4 + 4 + 1
    static let artifactSummary = 4 + 4 + 4 + 1 + 8 + 4
}
