import FlotillaNet

extension ClientSessionFailure {
    /// How `flotilla` commands word this failure when it ends the command at once.
    ///
    /// Nil for a heartbeat timeout: the close that follows it is what the command reports.
    func endingMessage(target: HostPort) -> String? {
        switch self {
        case .cannotConnect(let reason):
            "cannot connect to coordinator \(target): \(reason)"
        case .notCoordinator(let peer):
            "the peer at \(target) is not a coordinator (\(peer?.description ?? "no identity"))"
        case .protocolFailed(let error):
            "coordinator \(target) ended the session: \(error)"
        case .heartbeatTimedOut:
            nil
        }
    }
}
