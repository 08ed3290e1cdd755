import WireProtocol

/// Identifies one live connection inside the coordinator process.
public typealias ConnectionID = UInt64

/// An effect the coordinator's pure core asks its driver to perform.
public enum CoordinatorAction: Sendable, Equatable {
    /// Send a message on a connection (dropped when the connection is gone).
    case send(ConnectionID, Message)
    /// Close a connection, sending the error first when given.
    case close(ConnectionID, ProtocolErrorMessage?)
    /// Stream the stored bundle with this hash to the connection as `BundleChunk`s.
    case streamBundle(ConnectionID, sha256: String)
}
