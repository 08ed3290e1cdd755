/// What the coordinator's driver must do after a message from an agent or client.
public enum ServerHandshakeAction: Sendable, Equatable {
    /// The Hello is accepted: send the Welcome; the session is established.
    case accept(Hello, Welcome)
    /// A session message the peer's role may send: hand it to the coordinator.
    case deliver(Message)
    /// Send this Error message, then close the connection.
    case reject(ProtocolErrorMessage)
    /// Close without sending anything: the peer sent an Error itself.
    case close(ProtocolError)
    /// The connection is already being closed; drop the message.
    case ignore
}

/// The coordinator's side of a connection: validates the Hello, then polices the session.
///
/// Sans-I/O: the driver passes each decoded message to `received(_:)` and performs the
/// returned action. The TLS layer supplies the role (certificate subject OU) and name (CN)
/// the peer authenticated with; the Hello must repeat them, so a client certificate can
/// never register an agent. All transition rules live in this file:
///
/// | State          | Input                          | Action, next state                 |
/// |----------------|--------------------------------|------------------------------------|
/// | awaitingHello  | valid Hello                    | accept, established                |
/// | awaitingHello  | invalid Hello                  | reject, closed                     |
/// | awaitingHello  | Error                          | close, closed                      |
/// | awaitingHello  | anything else                  | reject (unexpected), closed        |
/// | established    | Error                          | close, closed                      |
/// | established    | Hello, Welcome                 | reject (unexpected), closed        |
/// | established    | message the role may send      | deliver, established               |
/// | established    | message the role may not send  | reject (unexpected), closed        |
/// | closed         | anything                       | ignore, closed                     |
public struct ServerHandshake: Sendable, Equatable {
    /// Where the connection is in its life.
    public enum State: Sendable, Equatable {
        case awaitingHello
        /// The Hello was accepted at `version`.
        case established(version: UInt16)
        case closed
    }

    /// The current state.
    public private(set) var state: State = .awaitingHello
    /// The accepted Hello, once established.
    public private(set) var peerHello: Hello?

    private let certificateRole: PeerRole
    private let certificateName: String
    private let coordinatorName: String
    private let heartbeatIntervalMillis: UInt32
    private let heartbeatTimeoutMillis: UInt32
    private let limits: ProtocolLimits

    /// Creates the machine for one accepted connection.
    ///
    /// - Parameters:
    ///   - certificateRole: The role in the peer's verified certificate.
    ///   - certificateName: The name (CN) in the peer's verified certificate.
    ///   - coordinatorName: This coordinator's name, sent in Welcome.
    ///   - heartbeatIntervalMillis: How often both sides send heartbeats when idle; > 0.
    ///   - heartbeatTimeoutMillis: Silence after which either side closes; > the interval.
    ///   - limits: Hello policy limits (labels, capacity).
    public init(certificateRole: PeerRole, certificateName: String, coordinatorName: String,
                heartbeatIntervalMillis: UInt32, heartbeatTimeoutMillis: UInt32,
                limits: ProtocolLimits = .default) {
        precondition(heartbeatIntervalMillis > 0, "heartbeat interval must be positive")
        precondition(heartbeatTimeoutMillis > heartbeatIntervalMillis, "heartbeat timeout must exceed the interval")
        self.certificateRole = certificateRole
        self.certificateName = certificateName
        self.coordinatorName = coordinatorName
        self.heartbeatIntervalMillis = heartbeatIntervalMillis
        self.heartbeatTimeoutMillis = heartbeatTimeoutMillis
        self.limits = limits
    }

    /// Whether the Hello has been accepted and the connection is still open.
    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// Reacts to one message from the peer.
    public mutating func received(_ message: Message) -> ServerHandshakeAction {
        switch state {
        case .closed:
            return .ignore
        case .awaitingHello:
            switch message {
            case .hello(let hello):
                switch validate(hello) {
                case .success(let version):
                    let welcome = Welcome(version: version, coordinatorName: coordinatorName,
                                          heartbeatIntervalMillis: heartbeatIntervalMillis,
                                          heartbeatTimeoutMillis: heartbeatTimeoutMillis)
                    state = .established(version: version)
                    peerHello = hello
                    return .accept(hello, welcome)
                case .failure(let error):
                    return reject(error)
                }
            case .error(let error):
                return peerFailed(error)
            default:
                return reject(.unexpectedMessage(got: message.messageType, state: "awaiting hello"))
            }
        case .established:
            switch message {
            case .error(let error):
                return peerFailed(error)
            case .hello, .welcome:
                return reject(.unexpectedMessage(got: message.messageType, state: "established"))
            default:
                guard message.messageType.isAllowed(from: certificateRole, to: .coordinator) else {
                    return reject(.unexpectedMessage(got: message.messageType, state: "established with \(certificateRole)"))
                }
                return .deliver(message)
            }
        }
    }

    private mutating func reject(_ error: ProtocolError) -> ServerHandshakeAction {
        state = .closed
        return .reject(ProtocolErrorMessage(code: error.wireCode, message: error.description))
    }

    private mutating func peerFailed(_ error: ProtocolErrorMessage) -> ServerHandshakeAction {
        state = .closed
        return .close(.peerReportedError(code: error.code, message: error.message))
    }

    /// The negotiated version, or the first rule the Hello breaks.
    private func validate(_ hello: Hello) -> Result<UInt16, ProtocolError> {
        guard hello.magic == Hello.magic else { return .failure(.badMagic(hello.magic)) }
        guard hello.minVersion <= hello.maxVersion else {
            return .failure(.malformed(message: .hello, field: "minVersion",
                                       reason: "minVersion \(hello.minVersion) exceeds maxVersion \(hello.maxVersion)"))
        }
        guard let version = ProtocolVersion.negotiate(offered: hello.minVersion...hello.maxVersion) else {
            return .failure(.unsupportedVersion(offeredMin: hello.minVersion, offeredMax: hello.maxVersion,
                                                supportedMin: ProtocolVersion.supported.lowerBound,
                                                supportedMax: ProtocolVersion.supported.upperBound))
        }
        guard hello.role == certificateRole else {
            return .failure(.roleMismatch(claimed: hello.role, certificate: certificateRole))
        }
        guard hello.name == certificateName else {
            return .failure(.nameMismatch(claimed: hello.name, certificate: certificateName))
        }
        guard !hello.name.isEmpty else { return .failure(.invalidHello(field: "name", reason: "empty name")) }
        switch hello.role {
        case .coordinator:
            return .failure(.invalidHello(field: "role", reason: "coordinators do not connect to coordinators"))
        case .agent:
            if let error = agentFieldError(hello) { return .failure(error) }
        case .client:
            if let error = clientFieldError(hello) { return .failure(error) }
        }
        return .success(version)
    }

    private func agentFieldError(_ hello: Hello) -> ProtocolError? {
        if hello.capacity == 0 {
            return .invalidHello(field: "capacity", reason: "an agent needs at least one job slot")
        }
        if hello.capacity > limits.maxAgentCapacity {
            return .limitExceeded(message: .hello, field: "capacity", size: Int(hello.capacity),
                                  limit: Int(limits.maxAgentCapacity))
        }
        if hello.labels.count > limits.maxLabels {
            return .limitExceeded(message: .hello, field: "labels count", size: hello.labels.count, limit: limits.maxLabels)
        }
        for (index, label) in hello.labels.enumerated() {
            if label.isEmpty { return .invalidHello(field: "labels[\(index)]", reason: "empty label") }
            if label.utf8.count > limits.maxLabelBytes {
                return .limitExceeded(message: .hello, field: "labels[\(index)]", size: label.utf8.count,
                                      limit: limits.maxLabelBytes)
            }
        }
        if let reason = Hello.machineClassProblem(hello.machineClass) {
            return .invalidHello(field: "machineClass", reason: reason)
        }
        return nil
    }

    private func clientFieldError(_ hello: Hello) -> ProtocolError? {
        if !hello.labels.isEmpty { return .invalidHello(field: "labels", reason: "only agents declare labels") }
        if hello.capacity != 0 { return .invalidHello(field: "capacity", reason: "only agents declare capacity") }
        if hello.fingerprint != nil {
            return .invalidHello(field: "fingerprint", reason: "only agents declare a fingerprint")
        }
        if !hello.runningJobs.isEmpty {
            return .invalidHello(field: "runningJobs", reason: "only agents run jobs")
        }
        if !hello.machineClass.isEmpty {
            return .invalidHello(field: "machineClass", reason: "only agents declare a machine class")
        }
        return nil
    }
}
