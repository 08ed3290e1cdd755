/// What an agent's or client's driver must do after a message from the coordinator.
public enum ClientHandshakeAction: Sendable, Equatable {
    /// The coordinator accepted the Hello; start heartbeats with the Welcome's contract.
    case established(Welcome)
    /// A session message the coordinator may send to this role: hand it to the runtime.
    case deliver(Message)
    /// The session is over: send `error.replyMessage` if it has one, then close.
    /// An Error from the coordinator arrives as `.peerReportedError` with its code and text.
    case failed(ProtocolError)
    /// The connection is already being closed; drop the message.
    case ignore
}

/// The connecting side of a connection (agent or client): sends Hello, checks the Welcome,
/// then polices the session.
///
/// Sans-I/O: the driver sends `initialMessage()` once TLS is up, passes each decoded message
/// to `received(_:)` and performs the returned action. All transition rules live here:
///
/// | State            | Input                               | Action, next state          |
/// |------------------|-------------------------------------|-----------------------------|
/// | awaitingWelcome  | Welcome within the offer            | established, established    |
/// | awaitingWelcome  | Welcome outside offer / bad timing  | failed, closed              |
/// | awaitingWelcome  | Error                               | failed (peer), closed       |
/// | awaitingWelcome  | anything else                       | failed (unexpected), closed |
/// | established      | Error                               | failed (peer), closed       |
/// | established      | Hello, Welcome                      | failed (unexpected), closed |
/// | established      | message the coordinator may send us | deliver, established        |
/// | established      | message it may not send us          | failed (unexpected), closed |
/// | closed           | anything                            | ignore, closed              |
public struct ClientHandshake: Sendable, Equatable {
    /// Where the connection is in its life.
    public enum State: Sendable, Equatable {
        case awaitingWelcome
        case established(Welcome)
        case closed
    }

    /// The Hello this side sends.
    public let hello: Hello
    /// The current state.
    public private(set) var state: State = .awaitingWelcome

    /// Creates the machine for one outgoing connection.
    /// - Parameter hello: The Hello to send; its version range must not be empty.
    public init(hello: Hello) {
        precondition(hello.minVersion <= hello.maxVersion, "hello offers an empty version range")
        self.hello = hello
    }

    /// The first message to send: the Hello.
    public func initialMessage() -> Message { .hello(hello) }

    /// The Welcome, once established.
    public var welcome: Welcome? {
        if case .established(let welcome) = state { return welcome }
        return nil
    }

    /// Reacts to one message from the coordinator.
    public mutating func received(_ message: Message) -> ClientHandshakeAction {
        switch state {
        case .closed:
            return .ignore
        case .awaitingWelcome:
            switch message {
            case .welcome(let welcome):
                if let error = welcomeError(welcome) { return fail(error) }
                state = .established(welcome)
                return .established(welcome)
            case .error(let error):
                return fail(.peerReportedError(code: error.code, message: error.message))
            default:
                return fail(.unexpectedMessage(got: message.messageType, state: "awaiting welcome"))
            }
        case .established:
            switch message {
            case .error(let error):
                return fail(.peerReportedError(code: error.code, message: error.message))
            case .hello, .welcome:
                return fail(.unexpectedMessage(got: message.messageType, state: "established"))
            default:
                guard message.messageType.isAllowed(from: .coordinator, to: hello.role) else {
                    return fail(.unexpectedMessage(got: message.messageType, state: "established as \(hello.role)"))
                }
                return .deliver(message)
            }
        }
    }

    private mutating func fail(_ error: ProtocolError) -> ClientHandshakeAction {
        state = .closed
        return .failed(error)
    }

    private func welcomeError(_ welcome: Welcome) -> ProtocolError? {
        guard (hello.minVersion...hello.maxVersion).contains(welcome.version) else {
            return .versionNotOffered(chosen: welcome.version, offeredMin: hello.minVersion, offeredMax: hello.maxVersion)
        }
        // Liveness needs a positive interval and a timeout that leaves room for one heartbeat.
        guard welcome.heartbeatIntervalMillis > 0 else {
            return .malformed(message: .welcome, field: "heartbeatIntervalMillis", reason: "must be positive")
        }
        guard welcome.heartbeatTimeoutMillis > welcome.heartbeatIntervalMillis else {
            return .malformed(message: .welcome, field: "heartbeatTimeoutMillis",
                              reason: "\(welcome.heartbeatTimeoutMillis) does not exceed the interval "
                                  + "\(welcome.heartbeatIntervalMillis)")
        }
        return nil
    }
}
