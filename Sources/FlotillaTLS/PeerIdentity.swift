/// The identity a peer's certificate proves: subject OU = role, CN = name.
///
/// Fleet certificates always carry both; ``TLSEngine`` refuses a handshake whose verified
/// peer certificate lacks either, so a completed session always has an identity.
public struct PeerIdentity: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The peer's role: "coordinator", "agent" or "client".
    public var role: String
    /// The peer's name within its role, e.g. an agent's host name.
    public var name: String

    /// Creates an identity from a role and a name.
    public init(role: String, name: String) {
        self.role = role
        self.name = name
    }

    public var description: String { "\(role)/\(name)" }
}
