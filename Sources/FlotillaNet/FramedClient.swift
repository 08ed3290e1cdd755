import FlotillaTLS

/// Opens outgoing `FramedConnection`s.
public enum FramedClient {
    /// Starts a non-blocking TLS connection to `host:port`; loop thread only.
    ///
    /// Returns at once with the connection in `.connecting`. The delegate then gets
    /// `connectionDidBecomeActive` after the handshake, or `connectionDidClose` with
    /// `.connectFailed` (every address refused or timed out after
    /// `limits.connectTimeoutMillis`), `.tls`, `.handshakeTimeout`, … Several resolved
    /// addresses ("localhost": 127.0.0.1 then ::1) are tried in order.
    ///
    /// - Parameters:
    ///   - loop: The loop the connection lives on.
    ///   - host: An IPv4/IPv6 literal (brackets allowed), "localhost", or a name resolved
    ///     with getaddrinfo (which may block the loop briefly).
    ///   - port: The server's port.
    ///   - tls: A client configuration.
    ///   - serverName: The name or IP the server certificate must carry; nil checks only
    ///     that the certificate chains to the fleet CA.
    ///   - limits: The connection's bounds.
    ///   - delegate: Set before any event, so failures are reported too (held weakly).
    /// - Returns: The connection.
    /// - Throws: `HostResolutionError` when `host` does not resolve, `TLSError` when the TLS
    ///   session cannot be set up (e.g. an invalid `serverName`).
    public static func connect(loop: EventLoop, host: String, port: UInt16, tls: TLSConfiguration,
                               serverName: String?, limits: ConnectionLimits = .default,
                               delegate: FramedConnectionDelegate) throws -> FramedConnection {
        precondition(loop.inEventLoop, "FramedClient.connect must be called on the event loop")
        let addresses = try SocketAddress.resolve(host: host, port: port)
        let engine = try TLSEngine(configuration: tls, serverName: serverName)
        let connection = FramedConnection(loop: loop, side: .client, engine: engine, limits: limits,
                                          remoteAddress: addresses[0].description)
        connection.delegate = delegate
        connection.startConnecting(to: addresses)
        return connection
    }
}
