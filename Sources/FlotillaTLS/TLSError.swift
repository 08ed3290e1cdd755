/// A failure of the TLS door: loading credentials, setting up a context, or running a session.
///
/// Every case carries the context needed to act on it: the file that failed to load, the
/// certificate-verification reason, and the OpenSSL error stack text (`openSSL`), drained
/// oldest-first from OpenSSL's error queue. ``isPeerFault`` says whose fault it was, so
/// callers can log a misbehaving peer without treating it as a local defect.
public enum TLSError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Which credential file a load error is about.
    public enum CredentialFile: String, Sendable, Equatable {
        case caCertificate = "CA certificate"
        case certificate = "certificate"
        case privateKey = "private key"
    }

    /// A certificate, key or CA file could not be read or parsed.
    case credentialLoadFailed(file: CredentialFile, path: String, openSSL: String)
    /// The private key does not belong to the certificate.
    case keyDoesNotMatchCertificate(certificatePath: String, privateKeyPath: String, openSSL: String)
    /// Building the SSL_CTX or SSL object failed (`operation` names the OpenSSL call).
    case setupFailed(operation: String, openSSL: String)
    /// The server name given to a client engine is neither a DNS name nor an IP literal.
    case invalidServerName(String)
    /// The peer's certificate chain did not verify against the fleet CA (or its name did not
    /// match). `reason` is X509_verify_cert_error_string of the verify result.
    case peerVerificationFailed(reason: String, code: Int, openSSL: String)
    /// The peer's certificate verified but lacks exactly one subject OU (role) or CN (name).
    case peerIdentityMissing(field: String, subject: String)
    /// The handshake failed for a reason other than certificate verification: the peer sent
    /// no certificate, spoke another protocol version, sent garbage, or sent a fatal alert.
    case handshakeFailed(openSSL: String)
    /// The peer closed the session (close_notify) before the handshake finished.
    case closedDuringHandshake
    /// Decrypting or encrypting application data failed after the handshake (bad record,
    /// fatal alert from the peer).
    case sessionFailed(operation: String, openSSL: String)
    /// Application data was written after this side shut down or the peer closed.
    case sessionClosed

    /// True when the failure was caused by what the peer sent or presented, false when it
    /// is a local configuration or usage problem.
    public var isPeerFault: Bool {
        switch self {
        case .credentialLoadFailed, .keyDoesNotMatchCertificate, .setupFailed, .invalidServerName,
             .sessionClosed:
            false
        case .peerVerificationFailed, .peerIdentityMissing, .handshakeFailed, .closedDuringHandshake,
             .sessionFailed:
            true
        }
    }

    public var description: String {
        switch self {
        case let .credentialLoadFailed(file, path, openSSL):
            "cannot load \(file.rawValue) from \(path): \(openSSL)"
        case let .keyDoesNotMatchCertificate(certificatePath, privateKeyPath, openSSL):
            "private key \(privateKeyPath) does not match certificate \(certificatePath): \(openSSL)"
        case let .setupFailed(operation, openSSL):
            "TLS setup failed in \(operation): \(openSSL)"
        case let .invalidServerName(name):
            "server name \"\(name)\" is neither a DNS name nor an IP address"
        case let .peerVerificationFailed(reason, code, openSSL):
            "peer certificate verification failed: \(reason) (X509 error \(code)); \(openSSL)"
        case let .peerIdentityMissing(field, subject):
            "peer certificate subject \"\(subject)\" must have exactly one \(field)"
        case let .handshakeFailed(openSSL):
            "TLS handshake failed: \(openSSL)"
        case .closedDuringHandshake:
            "peer closed the connection during the TLS handshake"
        case let .sessionFailed(operation, openSSL):
            "TLS \(operation) failed: \(openSSL)"
        case .sessionClosed:
            "TLS session is closed"
        }
    }
}
