import Testing
import TestSupport
import WireProtocol

@Suite("Client handshake")
struct ClientHandshakeTests {
    static let welcome = Welcome(version: 1, coordinatorName: "coord-1", heartbeatIntervalMillis: 5_000,
                                 heartbeatTimeoutMillis: 15_000)

    func established(_ hello: Hello = SampleMessages.agentHello) -> ClientHandshake {
        var machine = ClientHandshake(hello: hello)
        _ = machine.received(.welcome(Self.welcome))
        return machine
    }

    // MARK: awaitingWelcome

    @Test("the initial message is the hello")
    func initialMessage() {
        let machine = ClientHandshake(hello: SampleMessages.agentHello)
        #expect(machine.initialMessage() == .hello(SampleMessages.agentHello))
        #expect(machine.state == .awaitingWelcome)
        #expect(machine.welcome == nil)
    }

    @Test("a welcome within the offer establishes the session")
    func establishes() {
        var machine = ClientHandshake(hello: SampleMessages.agentHello)
        #expect(machine.received(.welcome(Self.welcome)) == .established(Self.welcome))
        #expect(machine.state == .established(Self.welcome))
        #expect(machine.welcome == Self.welcome)
    }

    @Test("a welcome choosing a version that was not offered fails")
    func versionNotOffered() {
        var machine = ClientHandshake(hello: SampleMessages.agentHello)
        var welcome = Self.welcome
        welcome.version = 2
        let action = machine.received(.welcome(welcome))
        #expect(action == .failed(.versionNotOffered(chosen: 2, offeredMin: 1, offeredMax: 1)))
        #expect(machine.state == .closed)
        if case .failed(let error) = action { #expect(error.replyMessage?.code == .unsupportedVersion) }
    }

    @Test("a welcome with an unusable heartbeat contract fails",
          arguments: [(UInt32(0), UInt32(10)), (5_000, 5_000), (5_000, 100)])
    func badHeartbeatContract(interval: UInt32, timeout: UInt32) {
        var machine = ClientHandshake(hello: SampleMessages.agentHello)
        var welcome = Self.welcome
        welcome.heartbeatIntervalMillis = interval
        welcome.heartbeatTimeoutMillis = timeout
        guard case .failed(let error) = machine.received(.welcome(welcome)) else {
            Issue.record("bad contract accepted")
            return
        }
        #expect(error.malformedMessage == .welcome)
        #expect(error.wireCode == .malformedFrame)
    }

    @Test("an error from the coordinator is surfaced with its code and text, and not answered")
    func errorBeforeWelcome() {
        var machine = ClientHandshake(hello: SampleMessages.agentHello)
        let action = machine.received(.error(ProtocolErrorMessage(code: .notAuthorized, message: "role mismatch")))
        #expect(action == .failed(.peerReportedError(code: .notAuthorized, message: "role mismatch")))
        if case .failed(let error) = action {
            #expect(error.replyMessage == nil)
            #expect(error.wireCode == .notAuthorized)
            #expect(error.description.contains("role mismatch"))
        }
        #expect(machine.state == .closed)
    }

    @Test("any other message before the welcome fails as unexpected",
          arguments: SampleMessages.all.filter { $0.messageType != .welcome && $0.messageType != .error })
    func unexpectedBeforeWelcome(_ message: Message) {
        var machine = ClientHandshake(hello: SampleMessages.agentHello)
        #expect(machine.received(message) == .failed(.unexpectedMessage(got: message.messageType, state: "awaiting welcome")))
        #expect(machine.state == .closed)
    }

    // MARK: established

    @Test("a second welcome or a hello after establishment fails")
    func duplicateWelcome() {
        var machine = established()
        #expect(machine.received(.welcome(Self.welcome)) == .failed(.unexpectedMessage(got: .welcome, state: "established")))
        var other = established()
        #expect(other.received(.hello(SampleMessages.agentHello)) == .failed(.unexpectedMessage(got: .hello, state: "established")))
    }

    @Test("an error after establishment is surfaced")
    func errorEstablished() {
        var machine = established()
        let action = machine.received(.error(ProtocolErrorMessage(code: .heartbeatTimeout, message: "silent 15 s")))
        #expect(action == .failed(.peerReportedError(code: .heartbeatTimeout, message: "silent 15 s")))
    }

    static let toAgent: Set<MessageType> = [.heartbeat, .assignJob, .cancelJob, .bundleRequest, .bundleChunk,
                                            .artifactAck]
    // Step events and log chunks are forwarded to the client that submitted the run.
    static let toClient: Set<MessageType> = [.heartbeat, .runAccepted, .runRejected, .jobEvent, .runFinished,
                                             .bundleRequest, .bundleChunk, .stepStarted, .stepFinished, .logChunk,
                                             .artifactRefused, .artifactStored, .artifactList, .artifactData,
                                             .commandResult, .runList, .agentList, .logListing]
    static let sessionMessages = SampleMessages.all.filter { ![.hello, .welcome, .error].contains($0.messageType) }

    @Test("an agent receives only coordinator-to-agent messages", arguments: sessionMessages)
    func agentDirections(_ message: Message) {
        var machine = established(SampleMessages.agentHello)
        let action = machine.received(message)
        if Self.toAgent.contains(message.messageType) {
            #expect(action == .deliver(message))
            #expect(machine.welcome == Self.welcome)
        } else {
            #expect(action == .failed(.unexpectedMessage(got: message.messageType, state: "established as agent")))
        }
    }

    @Test("a client receives only coordinator-to-client messages", arguments: sessionMessages)
    func clientDirections(_ message: Message) {
        var machine = established(SampleMessages.clientHello)
        let action = machine.received(message)
        if Self.toClient.contains(message.messageType) {
            #expect(action == .deliver(message))
        } else {
            #expect(action == .failed(.unexpectedMessage(got: message.messageType, state: "established as client")))
        }
    }

    // MARK: closed

    @Test("after failing every message is ignored", arguments: SampleMessages.all)
    func closedIgnores(_ message: Message) {
        var machine = established()
        _ = machine.received(.welcome(Self.welcome))
        #expect(machine.state == .closed)
        #expect(machine.received(message) == .ignore)
    }
}

@Suite("Message directions")
struct MessageDirectionTests {
    @Test("every message type has at least one legal direction", arguments: MessageType.allCases)
    func everyTypeUsable(_ type: MessageType) {
        let roles: [PeerRole] = [.coordinator, .agent, .client]
        #expect(roles.contains { sender in roles.contains { type.isAllowed(from: sender, to: $0) } })
    }

    @Test("agents and clients never talk to each other; coordinators not to coordinators", arguments: MessageType.allCases)
    func noPeerToPeer(_ type: MessageType) {
        #expect(!type.isAllowed(from: .agent, to: .client))
        #expect(!type.isAllowed(from: .client, to: .agent))
        #expect(!type.isAllowed(from: .agent, to: .agent))
        #expect(!type.isAllowed(from: .coordinator, to: .coordinator))
    }
}
