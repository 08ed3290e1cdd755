import FlotillaCore
import FlotillaNet
import WireProtocol

/// The coordinator's per-connection state: handshake, liveness, uploads in progress.
final class PeerSession {
    let connection: FramedConnection
    var handshake: ServerHandshake?
    var liveness: Liveness?
    /// Set once the Hello was accepted.
    var role: PeerRole?
    /// Bundles this client is uploading, by hash.
    var uploads: [String: ContentAddressedFileWriter] = [:]
    /// Why the coordinator closed it, for the job details of a lost agent.
    var closeReason: String?
    private var sender: BundleSender?

    init(connection: FramedConnection) {
        self.connection = connection
    }

    var bundleSender: BundleSender {
        if let sender { return sender }
        let made = BundleSender(connection: connection)
        sender = made
        return made
    }

    /// Abandons every unfinished upload; returns their hashes.
    @discardableResult
    func abortUploads() -> [String] {
        for writer in uploads.values { writer.abort() }
        defer { uploads.removeAll() }
        return uploads.keys.sorted()
    }
}
