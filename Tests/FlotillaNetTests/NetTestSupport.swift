#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import Testing
import FlotillaTLS
import WireProtocol
@testable import FlotillaNet

/// Polls `condition` until it holds or `seconds` pass; a failure guard, not a timing check.
func eventually(_ seconds: Double = 20, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A throwaway fleet PKI: CA, coordinator, and agents a1…a4.
final class TestPKI: Sendable {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "flotilla-net-\(UUID().uuidString)"
        try PKI.initialize(directory: directory)
        for name in ["a1", "a2", "a3", "a4"] { try PKI.issue(directory: directory, role: "agent", name: name) }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func server() throws -> TLSConfiguration {
        try TLSConfiguration.forPeer(pkiDirectory: directory, role: "coordinator", name: "coordinator")
    }

    func agent(_ name: String = "a1") throws -> TLSConfiguration {
        try TLSConfiguration.forPeer(pkiDirectory: directory, role: "agent", name: name)
    }
}

/// One connection event, as a test sees it.
enum ConnectionEvent: Sendable, Equatable {
    case active(id: UInt64, peer: PeerIdentity?)
    case message(id: UInt64, Message)
    case closed(id: UInt64, ConnectionError?)
}

/// Records every delegate call; the test thread reads the log, the loop writes it.
///
/// The hooks and `connections` are loop-confined (set on the loop before use); the log is
/// behind a Mutex. That split is what makes the `@unchecked Sendable` hold.
final class Recorder: FramedConnectionDelegate, @unchecked Sendable {
    private let log = Mutex<[ConnectionEvent]>([])
    /// Strong references to connections the test keeps (loop thread only).
    var connections: [UInt64: FramedConnection] = [:]
    var onActive: ((FramedConnection) -> Void)?
    var onMessage: ((FramedConnection, Message) -> Void)?

    func connectionDidBecomeActive(_ connection: FramedConnection) {
        log.withLock { $0.append(.active(id: connection.id, peer: connection.peerIdentity)) }
        onActive?(connection)
    }

    func connection(_ connection: FramedConnection, didReceive message: Message) {
        log.withLock { $0.append(.message(id: connection.id, message)) }
        onMessage?(connection, message)
    }

    func connectionDidClose(_ connection: FramedConnection, error: ConnectionError?) {
        log.withLock { $0.append(.closed(id: connection.id, error)) }
        connections[connection.id] = nil
    }

    var events: [ConnectionEvent] { log.withLock { $0 } }

    func messages(_ id: UInt64? = nil) -> [Message] {
        events.compactMap {
            guard case .message(let from, let message) = $0, id == nil || from == id else { return nil }
            return message
        }
    }

    func activeIDs() -> [UInt64] {
        events.compactMap { if case .active(let id, _) = $0 { id } else { nil } }
    }

    /// Close events as (connection id, error), in order.
    func closes() -> [(UInt64, ConnectionError?)] {
        events.compactMap { if case .closed(let id, let error) = $0 { (id, error) } else { nil } }
    }

    func closeError(_ id: UInt64) -> ConnectionError?? {
        closes().first { $0.0 == id }.map { $0.1 }
    }

    func isClosed(_ id: UInt64) -> Bool { closes().contains { $0.0 == id } }
}

/// A server on its own loop plus a client loop; shut down by `stop()`.
final class Fixture: @unchecked Sendable {
    let serverLoop: EventLoop
    let clientLoop: EventLoop
    let serverRecorder = Recorder()
    /// Loop-confined to `serverLoop`.
    private var server: FramedServer?
    let port: UInt16

    init(pki: TestPKI, host: String = "127.0.0.1", limits: ConnectionLimits = .default) async throws {
        serverLoop = try EventLoop.startOnNewThread(name: "test-server")
        clientLoop = try EventLoop.startOnNewThread(name: "test-client")
        let tls = try pki.server()
        let recorder = serverRecorder
        let loop = serverLoop
        let box = try await serverLoop.submit {
            LoopBound(try FramedServer(loop: loop, host: host, port: 0, tls: tls, limits: limits) { connection in
                connection.delegate = recorder
                recorder.connections[connection.id] = connection
            }, eventLoop: loop)
        }
        port = try await serverLoop.submit { box.value.localPort }
        try await serverLoop.submit { [self] in server = box.value }
    }

    /// Runs `body` with the server on its loop.
    func withServer<T: Sendable>(_ body: @escaping @Sendable (FramedServer) -> T) async throws -> T {
        try await serverLoop.submit { [self] in body(server!) }
    }

    /// Connects a framed client (on the client loop) with `recorder` as delegate.
    /// `serverName` defaults to `host` (the test PKI's coordinator certificate names
    /// localhost, 127.0.0.1 and ::1). `afterConnect` runs right after `FramedClient.connect`,
    /// before the handshake.
    func connect(_ recorder: Recorder, tls: TLSConfiguration, host: String = "127.0.0.1",
                 serverName: String? = nil, limits: ConnectionLimits = .default,
                 afterConnect: (@Sendable (FramedConnection) -> Void)? = nil) async throws -> UInt64 {
        let loop = clientLoop
        let port = self.port
        return try await loop.submit {
            let connection = try FramedClient.connect(loop: loop, host: host, port: port, tls: tls,
                                                      serverName: serverName ?? host, limits: limits,
                                                      delegate: recorder)
            recorder.connections[connection.id] = connection
            afterConnect?(connection)
            return connection.id
        }
    }

    /// Runs `body` on `loop` with the recorder's connection `id`.
    static func with(_ recorder: Recorder, _ id: UInt64, on loop: EventLoop,
                     _ body: @escaping @Sendable (FramedConnection) -> Void) async throws {
        try await loop.submit {
            guard let connection = recorder.connections[id] else { return }
            body(connection)
        }
    }

    func stop() {
        for loop in [clientLoop, serverLoop] {
            loop.shutdown()
            loop.waitUntilStopped()
        }
    }
}

/// A blocking plain-TCP client for poking the server with non-TLS bytes.
final class RawTCPClient {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket", errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let error = SystemError(call: "connect", errno: errno)
            Glibc.close(fd)
            throw error
        }
        // Reads give up after 20 s, so a server that never closes fails the test, not hangs it.
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { Glibc.close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the server closes; true for EOF or reset, false on the read timeout.
    func waitForClose() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<10_000 {
            let count = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count == 0 { return true }
            if count < 0 {
                if errno == EINTR { continue }
                return errno == ECONNRESET || errno == EPIPE
            }
        }
        return false
    }
}

extension ConnectionError? {
    var isTLS: Bool { if case .some(.tls) = self { true } else { false } }
}
