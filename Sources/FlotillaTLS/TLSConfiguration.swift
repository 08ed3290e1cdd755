internal import COpenSSL

/// The fleet's TLS settings and credentials for one side of a connection (wraps an SSL_CTX).
///
/// TLS 1.3 only; the peer must present a certificate in both directions (a server uses
/// SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT); the only trust anchor is the fleet CA
/// file, never the system store. Immutable and thread-safe once created: OpenSSL allows one
/// SSL_CTX to back many SSL objects on many threads as long as nobody reconfigures it, and
/// nothing here does after the factory returns. Session tickets and the session cache are
/// off: every connection does a full mutual-auth handshake, so a revoked or re-issued
/// certificate takes effect on the next connection.
public final class TLSConfiguration: @unchecked Sendable {
    /// Which end of the handshake engines made from this configuration play.
    public enum Side: Sendable, Equatable {
        case server
        case client
    }

    /// Whether engines made from this configuration accept (server) or connect (client).
    public let side: Side
    /// Owned reference; freed in deinit. Engines take their own reference via SSL_new.
    let context: OpaquePointer

    private init(side: Side, context: OpaquePointer) {
        self.side = side
        self.context = context
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// Creates a server configuration that requires and verifies a client certificate.
    ///
    /// - Parameters:
    ///   - caCertificatePath: PEM file with the fleet CA certificate (the only trust anchor).
    ///   - certificatePath: PEM certificate this server presents.
    ///   - privateKeyPath: PEM private key of that certificate.
    /// - Throws: ``TLSError/credentialLoadFailed(file:path:openSSL:)`` when a file is missing or
    ///   unparsable, ``TLSError/keyDoesNotMatchCertificate(certificatePath:privateKeyPath:openSSL:)``,
    ///   or ``TLSError/setupFailed(operation:openSSL:)``.
    public static func server(caCertificatePath: String, certificatePath: String,
                              privateKeyPath: String) throws(TLSError) -> TLSConfiguration {
        try make(side: .server, caCertificatePath: caCertificatePath,
                 credentials: (certificatePath, privateKeyPath))
    }

    /// Creates a client configuration that presents a certificate and verifies the server's.
    ///
    /// - Parameters:
    ///   - caCertificatePath: PEM file with the fleet CA certificate (the only trust anchor).
    ///   - certificatePath: PEM certificate this client presents.
    ///   - privateKeyPath: PEM private key of that certificate.
    /// - Throws: as ``server(caCertificatePath:certificatePath:privateKeyPath:)``.
    public static func client(caCertificatePath: String, certificatePath: String,
                              privateKeyPath: String) throws(TLSError) -> TLSConfiguration {
        try make(side: .client, caCertificatePath: caCertificatePath,
                 credentials: (certificatePath, privateKeyPath))
    }

    /// Creates a client configuration with no certificate of its own, for tests and diagnostics.
    ///
    /// Fleet servers refuse such clients during the handshake; this exists to prove they do
    /// and to let a diagnostic tool see how far a handshake gets. Never use it to connect.
    ///
    /// - Parameter caCertificatePath: PEM file with the fleet CA certificate.
    /// - Throws: ``TLSError/credentialLoadFailed(file:path:openSSL:)`` or
    ///   ``TLSError/setupFailed(operation:openSSL:)``.
    public static func clientWithoutCertificate(caCertificatePath: String) throws(TLSError)
        -> TLSConfiguration
    {
        try make(side: .client, caCertificatePath: caCertificatePath, credentials: nil)
    }

    /// Loads the files ``PKI`` writes for a role and name in a PKI directory.
    ///
    /// The role "coordinator" yields a server configuration; every other role a client one.
    ///
    /// - Parameters:
    ///   - pkiDirectory: the directory `PKI.initialize` / `PKI.issue` wrote.
    ///   - role: "coordinator", "agent" or "client".
    ///   - name: the peer's name (for the initial coordinator, "coordinator").
    /// - Throws: as ``server(caCertificatePath:certificatePath:privateKeyPath:)``.
    public static func forPeer(pkiDirectory: String, role: String, name: String) throws(TLSError)
        -> TLSConfiguration
    {
        let paths = PKI.paths(directory: pkiDirectory, role: role, name: name)
        if role == "coordinator" {
            return try server(caCertificatePath: paths.ca, certificatePath: paths.certificate,
                              privateKeyPath: paths.key)
        }
        return try client(caCertificatePath: paths.ca, certificatePath: paths.certificate,
                          privateKeyPath: paths.key)
    }

    private static func make(side: Side, caCertificatePath: String,
                             credentials: (certificate: String, key: String)?) throws(TLSError)
        -> TLSConfiguration
    {
        OpenSSLErrorStack.clear()
        let method = side == .server ? TLS_server_method() : TLS_client_method()
        guard let context = SSL_CTX_new(method) else {
            throw .setupFailed(operation: "SSL_CTX_new", openSSL: OpenSSLErrorStack.drain())
        }
        // From here on the wrapper owns the context, so every early throw frees it.
        let configuration = TLSConfiguration(side: side, context: context)

        guard flotilla_SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) == 1,
              flotilla_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1
        else {
            throw .setupFailed(operation: "SSL_CTX_set_min/max_proto_version",
                               openSSL: OpenSSLErrorStack.drain())
        }
        _ = SSL_CTX_set_options(context, flotilla_SSL_OP_NO_TICKET())
        guard SSL_CTX_set_num_tickets(context, 0) == 1 else {
            throw .setupFailed(operation: "SSL_CTX_set_num_tickets", openSSL: OpenSSLErrorStack.drain())
        }
        _ = flotilla_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        // Idle connections (most agents, most of the time) then hold no record buffers.
        // Every peer holds the fleet CA, so a chain of just the leaf is enough; without
        // NO_AUTO_CHAIN OpenSSL would append the CA from the trust store to every handshake.
        _ = flotilla_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN))

        // load_verify_locations adds only this file; the default paths are never loaded.
        guard SSL_CTX_load_verify_locations(context, caCertificatePath, nil) == 1 else {
            throw .credentialLoadFailed(file: .caCertificate, path: caCertificatePath,
                                        openSSL: OpenSSLErrorStack.drain())
        }
        let mode = side == .server
            ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT
            : SSL_VERIFY_PEER
        SSL_CTX_set_verify(context, mode, nil)
        // Fleet chains are leaf -> CA; anything deeper is not ours.
        SSL_CTX_set_verify_depth(context, 2)

        if let credentials {
            guard SSL_CTX_use_certificate_chain_file(context, credentials.certificate) == 1 else {
                throw .credentialLoadFailed(file: .certificate, path: credentials.certificate,
                                            openSSL: OpenSSLErrorStack.drain())
            }
            try usePrivateKey(path: credentials.key, certificatePath: credentials.certificate, in: context)
        }
        return configuration
    }

    /// Loads the key separately so a key that fails to parse and a key for another
    /// certificate are reported as different errors.
    private static func usePrivateKey(path: String, certificatePath: String,
                                      in context: OpaquePointer) throws(TLSError) {
        guard let bio = BIO_new_file(path, "r") else {
            throw .credentialLoadFailed(file: .privateKey, path: path, openSSL: OpenSSLErrorStack.drain())
        }
        defer { BIO_free(bio) }
        guard let key = PEM_read_bio_PrivateKey(bio, nil, nil, nil) else {
            throw .credentialLoadFailed(file: .privateKey, path: path, openSSL: OpenSSLErrorStack.drain())
        }
        defer { EVP_PKEY_free(key) }
        guard let certificate = SSL_CTX_get0_certificate(context),
              X509_check_private_key(certificate, key) == 1
        else {
            throw .keyDoesNotMatchCertificate(certificatePath: certificatePath, privateKeyPath: path,
                                              openSSL: OpenSSLErrorStack.drain())
        }
        // SSL_CTX_use_PrivateKey takes its own reference.
        guard SSL_CTX_use_PrivateKey(context, key) == 1, SSL_CTX_check_private_key(context) == 1 else {
            throw .keyDoesNotMatchCertificate(certificatePath: certificatePath, privateKeyPath: path,
                                              openSSL: OpenSSLErrorStack.drain())
        }
    }
}
