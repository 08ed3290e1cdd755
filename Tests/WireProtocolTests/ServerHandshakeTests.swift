import Testing
import TestSupport
import WireProtocol

@Suite("Server handshake")
struct ServerHandshakeTests {
    static let agentHello = SampleMessages.agentHello
    static let clientHello = SampleMessages.clientHello

    func server(role: PeerRole = .agent, name: String = "agent-07") -> ServerHandshake {
        ServerHandshake(certificateRole: role, certificateName: name, coordinatorName: "coord-1",
                        heartbeatIntervalMillis: 5_000, heartbeatTimeoutMillis: 15_000)
    }

    /// The code of a `.reject` action, or nil for any other action.
    func rejectCode(_ action: ServerHandshakeAction) -> ProtocolErrorMessage.ErrorCode? {
        if case .reject(let message) = action { return message.code }
        return nil
    }

    func established(role: PeerRole = .agent) -> ServerHandshake {
        var machine = role == .agent ? server() : server(role: .client, name: Self.clientHello.name)
        _ = machine.received(.hello(role == .agent ? Self.agentHello : Self.clientHello))
        return machine
    }

    // MARK: awaitingHello

    @Test("a valid agent hello is accepted with the welcome contract")
    func acceptsAgent() {
        var machine = server()
        let action = machine.received(.hello(Self.agentHello))
        let welcome = Welcome(version: 1, coordinatorName: "coord-1", heartbeatIntervalMillis: 5_000, heartbeatTimeoutMillis: 15_000)
        #expect(action == .accept(Self.agentHello, welcome))
        #expect(machine.state == .established(version: 1))
        #expect(machine.isEstablished)
        #expect(machine.peerHello == Self.agentHello)
    }

    @Test("a valid client hello is accepted")
    func acceptsClient() {
        var machine = server(role: .client, name: "ci-user@laptop")
        guard case .accept(let hello, let welcome) = machine.received(.hello(Self.clientHello)) else {
            Issue.record("client hello not accepted")
            return
        }
        #expect(hello == Self.clientHello)
        #expect(welcome.version == 1)
    }

    @Test("the highest common version is chosen")
    func versionNegotiation() {
        var hello = Self.agentHello
        hello.minVersion = 0
        hello.maxVersion = 9
        var machine = server()
        guard case .accept(_, let welcome) = machine.received(.hello(hello)) else {
            Issue.record("overlapping range not accepted")
            return
        }
        #expect(welcome.version == ProtocolVersion.supported.upperBound)
        #expect(ProtocolVersion.negotiate(offered: 1...5, supported: 2...3) == 3)
        #expect(ProtocolVersion.negotiate(offered: 3...3, supported: 1...7) == 3)
        #expect(ProtocolVersion.negotiate(offered: 4...6, supported: 1...3) == nil)
        #expect(ProtocolVersion.negotiate(offered: 0...0, supported: 1...1) == nil)
    }

    @Test("any first message other than hello is rejected as unexpected",
          arguments: SampleMessages.all.filter { $0.messageType != .hello && $0.messageType != .error })
    func wrongFirstMessage(_ message: Message) {
        var machine = server()
        let action = machine.received(message)
        let expected = ProtocolError.unexpectedMessage(got: message.messageType, state: "awaiting hello")
        #expect(action == .reject(expected.replyMessage!))
        #expect(machine.state == .closed)
    }

    @Test("an error as first message closes without a reply")
    func errorFirst() {
        var machine = server()
        let action = machine.received(.error(ProtocolErrorMessage(code: .internalError, message: "bye")))
        #expect(action == .close(.peerReportedError(code: .internalError, message: "bye")))
        #expect(machine.state == .closed)
    }

    @Test("bad magic is rejected")
    func badMagic() {
        var hello = Self.agentHello
        hello.magic = 0x4854_5450 // "HTTP"
        var machine = server()
        let action = machine.received(.hello(hello))
        #expect(action == .reject(ProtocolError.badMagic(0x4854_5450).replyMessage!))
        #expect(rejectCode(action) == .unsupportedVersion)
    }

    @Test("a version range with no overlap is rejected", arguments: [(UInt16(2), UInt16(5)), (0, 0), (UInt16.max, UInt16.max)])
    func noVersionOverlap(range: (UInt16, UInt16)) {
        var hello = Self.agentHello
        hello.minVersion = range.0
        hello.maxVersion = range.1
        var machine = server()
        let expected = ProtocolError.unsupportedVersion(offeredMin: range.0, offeredMax: range.1, supportedMin: 1, supportedMax: 1)
        #expect(machine.received(.hello(hello)) == .reject(expected.replyMessage!))
        #expect(machine.state == .closed)
    }

    @Test("an inverted version range is malformed")
    func invertedRange() {
        var hello = Self.agentHello
        hello.minVersion = 3
        hello.maxVersion = 1
        var machine = server()
        #expect(rejectCode(machine.received(.hello(hello))) == .malformedFrame)
    }

    @Test("the role must match the certificate: a client certificate cannot register an agent")
    func roleMismatch() {
        var machine = server(role: .client, name: "agent-07")
        let action = machine.received(.hello(Self.agentHello))
        #expect(action == .reject(ProtocolError.roleMismatch(claimed: .agent, certificate: .client).replyMessage!))
        #expect(rejectCode(action) == .notAuthorized)

        var agentServer = server(role: .agent, name: "ci-user@laptop")
        #expect(rejectCode(agentServer.received(.hello(Self.clientHello))) == .notAuthorized)
    }

    @Test("the name must match the certificate")
    func nameMismatch() {
        var machine = server(name: "agent-08")
        let action = machine.received(.hello(Self.agentHello))
        #expect(action == .reject(ProtocolError.nameMismatch(claimed: "agent-07", certificate: "agent-08").replyMessage!))
        if case .reject(let message) = action {
            #expect(message.message.contains("agent-07") && message.message.contains("agent-08"))
        }
    }

    @Test("an empty name is refused even when the certificate's is empty")
    func emptyName() {
        var hello = Self.agentHello
        hello.name = ""
        var machine = server(name: "")
        #expect(machine.received(.hello(hello)) == .reject(ProtocolError.invalidHello(field: "name", reason: "empty name").replyMessage!))
    }

    @Test("a coordinator cannot connect as a peer")
    func coordinatorPeer() {
        let hello = Hello(minVersion: 1, maxVersion: 1, role: .coordinator, name: "coord-2")
        var machine = server(role: .coordinator, name: "coord-2")
        #expect(rejectCode(machine.received(.hello(hello))) == .notAuthorized)
    }

    @Test("agent capacity must be within 1...1024", arguments: [(UInt32(0), false), (1, true), (1_024, true), (1_025, false), (.max, false)])
    func capacity(value: UInt32, accepted: Bool) {
        var hello = Self.agentHello
        hello.capacity = value
        var machine = server()
        let action = machine.received(.hello(hello))
        if accepted {
            #expect(machine.isEstablished)
        } else {
            #expect(rejectCode(action) != nil)
            #expect(machine.state == .closed)
        }
    }

    @Test("agent labels: at most 64, each 1...128 bytes")
    func labels() {
        func result(_ labels: [String]) -> ServerHandshakeAction {
            var hello = Self.agentHello
            hello.labels = labels
            var machine = server()
            return machine.received(.hello(hello))
        }
        #expect(rejectCode(result((0..<64).map { "l\($0)" })) == nil)
        #expect(rejectCode(result([])) == nil)
        #expect(rejectCode(result((0..<65).map { "l\($0)" })) == .limitExceeded)
        #expect(rejectCode(result(["linux", ""])) == .notAuthorized)
        #expect(rejectCode(result([String(repeating: "x", count: 128)])) == nil)
        #expect(result([String(repeating: "é", count: 65)])
            == .reject(ProtocolError.limitExceeded(message: .hello, field: "labels[0]", size: 130, limit: 128).replyMessage!))
    }

    @Test("a client hello may not carry agent fields")
    func clientAgentFields() {
        var withLabels = Self.clientHello
        withLabels.labels = ["linux"]
        var withCapacity = Self.clientHello
        withCapacity.capacity = 2
        var withFingerprint = Self.clientHello
        withFingerprint.fingerprint = SampleMessages.fingerprint
        var withJobs = Self.clientHello
        withJobs.runningJobs = [SampleMessages.job]
        var withClass = Self.clientHello
        withClass.machineClass = "big"
        for hello in [withLabels, withCapacity, withFingerprint, withJobs, withClass] {
            var machine = server(role: .client, name: Self.clientHello.name)
            #expect(rejectCode(machine.received(.hello(hello))) == .notAuthorized)
        }
    }

    @Test("an agent's machine class is empty or 1-64 characters of [A-Za-z0-9._-]",
          arguments: [("", true), ("c5.metal", true), ("a b", false), ("x/y", false), ("ü", false)])
    func agentMachineClass(name: String, accepted: Bool) {
        var hello = Self.agentHello
        hello.machineClass = name
        var machine = server()
        let action = machine.received(.hello(hello))
        if accepted {
            #expect(machine.isEstablished)
        } else {
            #expect(action == .reject(ProtocolError.invalidHello(field: "machineClass",
                                                                 reason: Hello.machineClassProblem(name) ?? "").replyMessage!))
        }
    }

    // MARK: established

    @Test("a second hello after establishment is rejected")
    func duplicateHello() {
        var machine = established()
        let expected = ProtocolError.unexpectedMessage(got: .hello, state: "established")
        #expect(machine.received(.hello(Self.agentHello)) == .reject(expected.replyMessage!))
        #expect(machine.state == .closed)
    }

    @Test("a welcome from the peer is rejected")
    func welcomeFromPeer() {
        var machine = established()
        let welcome = Welcome(version: 1, coordinatorName: "x", heartbeatIntervalMillis: 1, heartbeatTimeoutMillis: 2)
        #expect(rejectCode(machine.received(.welcome(welcome))) == .unexpectedMessage)
    }

    @Test("an error after establishment closes without a reply")
    func errorEstablished() {
        var machine = established()
        let action = machine.received(.error(ProtocolErrorMessage(code: .heartbeatTimeout, message: "silent")))
        #expect(action == .close(.peerReportedError(code: .heartbeatTimeout, message: "silent")))
        #expect(machine.state == .closed)
    }

    static let fromAgent: Set<MessageType> = [.heartbeat, .jobStarted, .stepStarted, .stepFinished, .logChunk,
                                              .jobFinished, .metricSamples, .bundleRequest, .bundleChunk,
                                              .artifactBegin, .artifactChunk, .artifactEnd, .artifactRefused]
    static let fromClient: Set<MessageType> = [.heartbeat, .submitRun, .bundleRequest, .bundleChunk,
                                               .listArtifacts, .fetchArtifact,
                                               .watchRun, .cancelRun, .drainAgent, .listRuns, .listAgents, .fetchLogs]
    static let sessionMessages = SampleMessages.all.filter { ![.hello, .welcome, .error].contains($0.messageType) }

    @Test("an agent's session messages are delivered; others are rejected", arguments: sessionMessages)
    func agentDirections(_ message: Message) {
        var machine = established(role: .agent)
        let action = machine.received(message)
        if Self.fromAgent.contains(message.messageType) {
            #expect(action == .deliver(message))
            #expect(machine.isEstablished)
        } else {
            #expect(rejectCode(action) == .unexpectedMessage)
            #expect(machine.state == .closed)
        }
    }

    @Test("a client's session messages are delivered; others are rejected", arguments: sessionMessages)
    func clientDirections(_ message: Message) {
        var machine = established(role: .client)
        let action = machine.received(message)
        if Self.fromClient.contains(message.messageType) {
            #expect(action == .deliver(message))
        } else {
            #expect(rejectCode(action) == .unexpectedMessage)
        }
    }

    // MARK: closed

    @Test("after a reject or close every message is ignored", arguments: SampleMessages.all)
    func closedIgnores(_ message: Message) {
        var rejected = server()
        _ = rejected.received(.heartbeat(Heartbeat(sequence: 0)))
        #expect(rejected.received(message) == .ignore)
        var closed = established()
        _ = closed.received(.error(ProtocolErrorMessage(code: .internalError, message: "")))
        #expect(closed.received(message) == .ignore)
        #expect(closed.state == .closed)
    }
}
