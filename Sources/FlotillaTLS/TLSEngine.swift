internal import COpenSSL

/// One TLS session over memory BIOs: socket code only moves bytes in and out.
///
/// The engine never touches a socket. The driver feeds bytes read from the network to
/// ``receiveCiphertext(_:)``, calls ``advanceHandshake()`` until it returns true, then moves
/// application data with ``writePlaintext(_:)`` and ``readPlaintext(into:maxBytes:)``. After
/// *every* call (including failed handshakes, which queue an alert, and reads, which may
/// produce post-handshake records) it sends ``takeCiphertext()`` to the peer.
///
/// Not thread-safe: an engine is confined to one thread (or one serial executor) at a time.
/// After a fatal error every further handshake or read call throws the same error again.
public final class TLSEngine {
    /// The configuration this session was made from (kept alive for the SSL's lifetime).
    public let configuration: TLSConfiguration
    private let ssl: OpaquePointer
    /// Network -> OpenSSL. Owned by `ssl` (SSL_set_bio transfers ownership).
    private let inbound: OpaquePointer
    /// OpenSSL -> network. Owned by `ssl`.
    private let outbound: OpaquePointer
    private var stickyFailure: TLSError?
    private var shutdownQueued = false
    /// One TLS record's plaintext at most (2^14 bytes), so each SSL_read_ex fits.
    private var scratch = [UInt8](repeating: 0, count: 16_384)

    /// True once the handshake completed and the peer's identity was read.
    public private(set) var isHandshakeComplete = false
    /// The identity the peer's verified certificate proves; set when the handshake completes.
    public private(set) var peerIdentity: PeerIdentity?

    /// Creates a session in the role the configuration was made for.
    ///
    /// - Parameters:
    ///   - configuration: a server or client ``TLSConfiguration``.
    ///   - serverName: for clients, the host name or IP literal (optionally in brackets) the
    ///     server's certificate must match in its subjectAltName (DNS or IP entries). A name
    ///     is also sent as SNI; an IP literal is not (RFC 6066). `nil` skips the name check
    ///     (the chain is still verified against the fleet CA). Ignored by servers.
    /// - Throws: ``TLSError/invalidServerName(_:)`` or ``TLSError/setupFailed(operation:openSSL:)``.
    public init(configuration: TLSConfiguration, serverName: String? = nil) throws(TLSError) {
        self.configuration = configuration
        OpenSSLErrorStack.clear()
        guard let ssl = SSL_new(configuration.context) else {
            throw .setupFailed(operation: "SSL_new", openSSL: OpenSSLErrorStack.drain())
        }
        guard let inbound = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw .setupFailed(operation: "BIO_new", openSSL: OpenSSLErrorStack.drain())
        }
        guard let outbound = BIO_new(BIO_s_mem()) else {
            BIO_free(inbound)
            SSL_free(ssl)
            throw .setupFailed(operation: "BIO_new", openSSL: OpenSSLErrorStack.drain())
        }
        // An empty inbound BIO means "wait for more", not end of stream.
        _ = flotilla_BIO_set_mem_eof_return(inbound, -1)
        _ = flotilla_BIO_set_mem_eof_return(outbound, -1)
        SSL_set_bio(ssl, inbound, outbound)
        self.ssl = ssl
        self.inbound = inbound
        self.outbound = outbound

        switch configuration.side {
        case .server:
            SSL_set_accept_state(ssl)
        case .client:
            SSL_set_connect_state(ssl)
            if let serverName {
                try Self.expectServerName(serverName, ssl: ssl)
            }
        }
    }

    deinit {
        SSL_free(ssl)  // also frees both BIOs
    }

    /// Pins the name the server certificate must carry, and sends SNI for DNS names.
    private static func expectServerName(_ serverName: String, ssl: OpaquePointer) throws(TLSError) {
        var host = serverName
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard let parameters = SSL_get0_param(ssl) else {
            throw .setupFailed(operation: "SSL_get0_param", openSSL: OpenSSLErrorStack.drain())
        }
        if HostName.isIPLiteral(host) {
            guard X509_VERIFY_PARAM_set1_ip_asc(parameters, host) == 1 else {
                throw .invalidServerName(serverName)
            }
            return
        }
        guard HostName.isDNSName(host) else { throw .invalidServerName(serverName) }
        // Fleet certificates carry no wildcards; refuse partial ones outright.
        X509_VERIFY_PARAM_set_hostflags(parameters, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
        guard X509_VERIFY_PARAM_set1_host(parameters, host, 0) == 1 else {
            throw .setupFailed(operation: "X509_VERIFY_PARAM_set1_host", openSSL: OpenSSLErrorStack.drain())
        }
        guard flotilla_SSL_set_tlsext_host_name(ssl, host) == 1 else {
            throw .setupFailed(operation: "SSL_set_tlsext_host_name", openSSL: OpenSSLErrorStack.drain())
        }
    }

    // MARK: Bytes in and out

    /// Hands bytes received from the network to the session.
    public func receiveCiphertext(_ bytes: UnsafeRawBufferPointer) {
        guard var cursor = bytes.baseAddress, !bytes.isEmpty else { return }
        var remaining = bytes.count
        while remaining > 0 {
            var written = 0
            // A memory BIO only fails to grow when the process is out of memory.
            guard BIO_write_ex(inbound, cursor, remaining, &written) == 1, written > 0 else {
                fatalError("BIO_write_ex on a memory BIO failed: \(OpenSSLErrorStack.drain())")
            }
            cursor += written
            remaining -= written
        }
    }

    /// Hands bytes received from the network to the session.
    public func receiveCiphertext(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { receiveCiphertext($0) }
    }

    /// Ciphertext waiting to go to the peer (handshake records, application data, alerts);
    /// empties the outbound buffer.
    public func takeCiphertext() -> [UInt8] {
        let pending = BIO_ctrl_pending(outbound)
        guard pending > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: pending) { buffer, count in
            var read = 0
            _ = BIO_read_ex(outbound, buffer.baseAddress, pending, &read)
            count = read
        }
    }

    /// True when ``takeCiphertext()`` would return bytes.
    public var hasPendingCiphertext: Bool {
        BIO_ctrl_pending(outbound) > 0
    }

    // MARK: Handshake

    /// Advances the handshake with whatever ciphertext has been received.
    ///
    /// When it first returns true, call ``readPlaintext(into:maxBytes:)`` right away: the
    /// peer's first application data may have arrived with its last handshake flight and is
    /// already buffered, so no further network input will announce it.
    ///
    /// - Returns: true once the handshake is complete (``peerIdentity`` is then set); false
    ///   when more input from the peer is needed.
    /// - Throws: ``TLSError/peerVerificationFailed(reason:code:openSSL:)`` for a certificate
    ///   from another CA or a name mismatch, ``TLSError/peerIdentityMissing(field:subject:)``,
    ///   ``TLSError/handshakeFailed(openSSL:)`` for a missing certificate, wrong version,
    ///   garbage or a fatal alert, ``TLSError/closedDuringHandshake``. An alert for the peer
    ///   may be waiting in ``takeCiphertext()`` afterwards.
    public func advanceHandshake() throws(TLSError) -> Bool {
        if isHandshakeComplete { return true }
        if let stickyFailure { throw stickyFailure }
        OpenSSLErrorStack.clear()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            do {
                peerIdentity = try readPeerIdentity()
            } catch {
                stickyFailure = error
                throw error
            }
            isHandshakeComplete = true
            return true
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return false
        case SSL_ERROR_ZERO_RETURN:
            stickyFailure = .closedDuringHandshake
        default:
            let stack = OpenSSLErrorStack.drain()
            let verifyResult = SSL_get_verify_result(ssl)
            if verifyResult != X509_V_OK {
                let reason = String(cString: X509_verify_cert_error_string(verifyResult))
                stickyFailure = .peerVerificationFailed(reason: reason, code: verifyResult, openSSL: stack)
            } else {
                stickyFailure = .handshakeFailed(openSSL: stack)
            }
        }
        throw stickyFailure!
    }

    /// The negotiated protocol version ("TLSv1.3"), once the handshake is complete.
    public var negotiatedProtocol: String? {
        guard isHandshakeComplete, let version = SSL_get_version(ssl) else { return nil }
        return String(cString: version)
    }

    /// The negotiated cipher suite (e.g. "TLS_AES_256_GCM_SHA384"), once the handshake is complete.
    public var negotiatedCipherSuite: String? {
        guard isHandshakeComplete, let cipher = SSL_get_current_cipher(ssl),
              let name = SSL_CIPHER_get_name(cipher)
        else { return nil }
        return String(cString: name)
    }

    private func readPeerIdentity() throws(TLSError) -> PeerIdentity {
        guard let certificate = SSL_get0_peer_certificate(ssl),
              let subject = X509_get_subject_name(certificate)
        else {
            throw .peerIdentityMissing(field: "certificate", subject: "")
        }
        let subjectText = Self.oneLine(subject)
        guard let role = Self.soleEntry(of: NID_organizationalUnitName, in: subject) else {
            throw .peerIdentityMissing(field: "OU (role)", subject: subjectText)
        }
        guard let name = Self.soleEntry(of: NID_commonName, in: subject) else {
            throw .peerIdentityMissing(field: "CN (name)", subject: subjectText)
        }
        return PeerIdentity(role: role, name: name)
    }

    /// The value of the only entry with `nid`; nil when there is none, more than one (an
    /// ambiguous identity), or it is empty.
    private static func soleEntry(of nid: Int32, in name: OpaquePointer) -> String? {
        let index = X509_NAME_get_index_by_NID(name, nid, -1)
        guard index >= 0, X509_NAME_get_index_by_NID(name, nid, index) < 0,
              let entry = X509_NAME_get_entry(name, index),
              let data = X509_NAME_ENTRY_get_data(entry)
        else { return nil }
        var utf8: UnsafeMutablePointer<UInt8>?
        let length = ASN1_STRING_to_UTF8(&utf8, data)
        guard length > 0, let utf8 else { return nil }
        defer { flotilla_OPENSSL_free(utf8) }
        return String(decoding: UnsafeBufferPointer(start: utf8, count: Int(length)), as: UTF8.self)
    }

    private static func oneLine(_ name: OpaquePointer) -> String {
        guard let text = X509_NAME_oneline(name, nil, 0) else { return "" }
        defer { flotilla_OPENSSL_free(text) }
        return String(cString: text)
    }

    // MARK: Application data

    /// Encrypts application bytes into the outbound buffer.
    ///
    /// - Precondition: the handshake is complete.
    /// - Throws: ``TLSError/sessionClosed`` after ``shutdown()``, or
    ///   ``TLSError/sessionFailed(operation:openSSL:)``.
    public func writePlaintext(_ bytes: UnsafeRawBufferPointer) throws(TLSError) {
        precondition(isHandshakeComplete, "TLSEngine.writePlaintext before the handshake completed")
        if shutdownQueued { throw .sessionClosed }
        if let stickyFailure { throw stickyFailure }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        OpenSSLErrorStack.clear()
        var written = 0
        // Without SSL_MODE_ENABLE_PARTIAL_WRITE and with a growable memory BIO, success
        // means every byte became records.
        let result = SSL_write_ex(ssl, base, bytes.count, &written)
        if result == 1 { return }
        if SSL_get_error(ssl, result) == SSL_ERROR_ZERO_RETURN { throw .sessionClosed }
        let failure = TLSError.sessionFailed(operation: "write", openSSL: OpenSSLErrorStack.drain())
        stickyFailure = failure
        throw failure
    }

    /// Encrypts application bytes into the outbound buffer.
    public func writePlaintext(_ bytes: [UInt8]) throws(TLSError) {
        // Typed throws do not pass through withUnsafeBytes, so carry the error out.
        let failure: TLSError? = bytes.withUnsafeBytes { raw in
            do throws(TLSError) {
                try writePlaintext(raw)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Decrypts as much buffered application data as is available, up to `maxBytes`,
    /// appending it to `buffer`.
    ///
    /// - Returns: `.bytes(n)` with n > 0, `.wantMoreInput`, or `.closed` once the peer's
    ///   close_notify has been read (and on every call after).
    /// - Precondition: the handshake is complete; `maxBytes > 0`.
    /// - Throws: ``TLSError/sessionFailed(operation:openSSL:)`` for a corrupt record or a
    ///   fatal alert from the peer (for example a TLS 1.3 server rejecting this client's
    ///   certificate after the client's side of the handshake finished).
    public func readPlaintext(into buffer: inout [UInt8], maxBytes: Int) throws(TLSError) -> TLSReadResult {
        precondition(isHandshakeComplete, "TLSEngine.readPlaintext before the handshake completed")
        precondition(maxBytes > 0, "TLSEngine.readPlaintext needs room for at least one byte")
        if let stickyFailure { throw stickyFailure }
        OpenSSLErrorStack.clear()
        var total = 0
        while total < maxBytes {
            let want = min(maxBytes - total, scratch.count)
            var read = 0
            let result = scratch.withUnsafeMutableBytes { raw in
                SSL_read_ex(ssl, raw.baseAddress, want, &read)
            }
            if result == 1 {
                buffer.append(contentsOf: scratch[0..<read])
                total += read
                continue
            }
            switch SSL_get_error(ssl, result) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return total > 0 ? .bytes(total) : .wantMoreInput
            case SSL_ERROR_ZERO_RETURN:
                return total > 0 ? .bytes(total) : .closed
            default:
                // Hand out what decrypted cleanly first; the failure comes on the next call.
                stickyFailure = .sessionFailed(operation: "read", openSSL: OpenSSLErrorStack.drain())
                if total > 0 { return .bytes(total) }
                throw stickyFailure!
            }
        }
        return .bytes(total)
    }

    /// Queues close_notify for the peer (take it with ``takeCiphertext()``).
    ///
    /// Idempotent. Before the handshake completes there is no session to close and nothing
    /// is queued; the driver just closes the socket. Writes after this throw
    /// ``TLSError/sessionClosed``; reads still drain what the peer sends.
    public func shutdown() {
        guard !shutdownQueued else { return }
        shutdownQueued = true
        guard isHandshakeComplete, stickyFailure == nil else { return }
        OpenSSLErrorStack.clear()
        // 0 means "sent, peer's close_notify not yet seen", which is all we ask for.
        _ = SSL_shutdown(ssl)
        OpenSSLErrorStack.clear()
    }
}
