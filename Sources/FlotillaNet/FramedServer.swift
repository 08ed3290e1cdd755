#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FlotillaTLS

/// Accepts TLS connections on one listening socket and hands each to `onAccept`.
///
/// Loop-confined. One accept handler on the event loop, no thread per connection. Each
/// accepted socket becomes a `FramedConnection` in `.handshaking`; `onAccept` runs before any
/// of its bytes are read, which is when the owner sets the delegate (it then gets
/// `connectionDidBecomeActive` or, if the handshake fails, `connectionDidClose`). With
/// `limits.maxConnections` connections open, further sockets are closed as soon as accepted.
/// The loop holds the server while it listens (until `close()` or the loop's shutdown).
public final class FramedServer {
    /// The loop the server and its connections live on.
    public let eventLoop: EventLoop
    /// The port actually bound (the ephemeral one when 0 was asked for).
    public let localPort: UInt16
    /// The bound address, "127.0.0.1:7000" or "[::]:7000".
    public let localAddress: String
    /// The limits every accepted connection gets.
    public let limits: ConnectionLimits
    private let tls: TLSConfiguration
    private let onAccept: (FramedConnection) -> Void
    private var fd: Int32
    private var registration: EventLoop.RegistrationID?
    private var connections: [UInt64: FramedConnection] = [:]
    private var resumeTimer: TimerHandle?

    /// Connections currently open (handshaking, active or closing).
    public var connectionCount: Int { connections.count }
    /// Sockets closed on accept because `maxConnections` was reached (diagnostics).
    public private(set) var rejectedConnectionCount = 0

    /// Pending connections the kernel queues before `accept`.
    private static let backlog: Int32 = 511
    /// Accepts per readiness callback, so a connection storm cannot starve other sockets.
    private static let maxAcceptsPerWakeup = 64
    /// Pause after running out of descriptors, so level-triggered readiness does not spin.
    private static let acceptPauseMillis: UInt64 = 100

    /// Binds and listens; loop thread only.
    ///
    /// - Parameters:
    ///   - loop: The loop that accepts and runs the connections.
    ///   - host: An IPv4/IPv6 literal, "0.0.0.0", "::" (also accepts IPv4), "localhost"
    ///     (127.0.0.1), or a name (first resolved address).
    ///   - port: The port; 0 picks a free one (see `localPort`).
    ///   - tls: A server configuration.
    ///   - limits: Applied to every accepted connection; `maxConnections` caps their number.
    ///   - onAccept: Called on the loop with each new connection, before its handshake.
    /// - Throws: `HostResolutionError`, or `SystemError` from socket/bind/listen.
    public init(loop: EventLoop, host: String, port: UInt16, tls: TLSConfiguration,
                limits: ConnectionLimits = .default,
                onAccept: @escaping (FramedConnection) -> Void) throws {
        precondition(loop.inEventLoop, "FramedServer must be created on its event loop")
        let address = try SocketAddress.resolve(host: host, port: port)[0]
        let fd = try Syscalls.tcpSocket(family: address.family)
        do {
            try Syscalls.setReuseAddress(fd)
            if address.isIPv6Wildcard { try Syscalls.setIPv6Only(fd, false) }
            try Syscalls.bind(fd, to: address)
            try Syscalls.listen(fd, backlog: Self.backlog)
            let bound = try Syscalls.localAddress(fd)
            localPort = bound.port
            localAddress = bound.description
        } catch {
            Syscalls.close(fd)
            throw error
        }
        self.fd = fd
        self.eventLoop = loop
        self.tls = tls
        self.limits = limits
        self.onAccept = onAccept
        do {
            registration = try loop.register(
                fileDescriptor: fd, interest: .read,
                onReady: { [self] _ in acceptPending() },
                onShutdown: { [self] in close() })
        } catch {
            Syscalls.close(fd)
            self.fd = -1
            throw error
        }
    }

    /// Stops listening; loop thread only. Idempotent. Open connections are not touched
    /// (close them, or shut the loop down, to end them).
    public func close() {
        precondition(eventLoop.inEventLoop, "FramedServer.close off its event loop")
        if let resumeTimer { eventLoop.cancel(resumeTimer) }
        resumeTimer = nil
        if let registration { eventLoop.deregister(registration) }
        registration = nil
        if fd >= 0 { Syscalls.close(fd) }
        fd = -1
    }

    private func acceptPending() {
        for _ in 0..<Self.maxAcceptsPerWakeup {
            guard fd >= 0 else { return }
            let result: IOResult<(fd: Int32, peer: SocketAddress)>
            do {
                result = try Syscalls.accept(fd)
            } catch {
                if Self.isTransient(error.errno) { continue }
                // Out of descriptors or memory: the pending connection stays queued and the
                // socket stays readable, so stop asking for a moment instead of spinning.
                pauseAccepting()
                return
            }
            guard case .processed(let accepted) = result else { return }
            guard connections.count < limits.maxConnections else {
                rejectedConnectionCount += 1
                Syscalls.close(accepted.fd)
                continue
            }
            adopt(fd: accepted.fd, peer: accepted.peer)
        }
    }

    private func adopt(fd newFD: Int32, peer: SocketAddress) {
        let engine: TLSEngine
        do {
            engine = try TLSEngine(configuration: tls)
        } catch {
            // A server configuration that cannot make sessions fails for every peer alike;
            // the socket is refused and the listener keeps going.
            Syscalls.close(newFD)
            return
        }
        // Nagle would hold small frames (heartbeats) behind unacknowledged ones.
        try? Syscalls.setNoDelay(newFD)
        let connection = FramedConnection(loop: eventLoop, side: .server, engine: engine, limits: limits,
                                          remoteAddress: peer.description)
        connections[connection.id] = connection
        connection.onFinalClose = { [weak self] closed in
            self?.connections[closed.id] = nil
        }
        connection.adoptAccepted(fd: newFD)
        onAccept(connection)
        connection.startAccepted()
    }

    private func pauseAccepting() {
        guard let registration, resumeTimer == nil else { return }
        try? eventLoop.setInterest([], for: registration)
        resumeTimer = eventLoop.schedule(afterMillis: Self.acceptPauseMillis) { [weak self] in
            guard let self, let registration = self.registration else { return }
            self.resumeTimer = nil
            try? self.eventLoop.setInterest(.read, for: registration)
        }
    }

    /// Accept errors that concern one aborted connection, not the listener.
    private static func isTransient(_ code: Int32) -> Bool {
        code == ECONNABORTED || code == EPROTO || code == EPERM || code == ENETDOWN || code == ENOPROTOOPT
            || code == EHOSTDOWN || code == ENONET || code == EHOSTUNREACH || code == EOPNOTSUPP
            || code == ENETUNREACH
    }
}
