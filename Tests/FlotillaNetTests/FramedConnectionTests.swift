#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization
import Testing
import FlotillaTLS
import WireProtocol
@testable import FlotillaNet

let job = JobRef(runID: "run-1", jobID: "build", attempt: 1)

func logChunk(_ sequence: Int, bytes: Int = LogChunk.maxDataBytes) -> LogChunk {
    LogChunk(job: job, sequence: UInt64(sequence), stepIndex: 0, stream: .stdout,
             data: (0..<bytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ sequence) })
}

/// Makes the server answer: Hello → Welcome, Heartbeat n → Heartbeat n+1, LogChunk → itself.
func installEcho(_ recorder: Recorder, on loop: EventLoop) async throws {
    try await loop.submit {
        recorder.onMessage = { connection, message in
            switch message {
            case .hello(let hello):
                connection.send(.welcome(Welcome(version: hello.maxVersion, coordinatorName: "coordinator",
                                                 heartbeatIntervalMillis: 5_000, heartbeatTimeoutMillis: 15_000)))
            case .heartbeat(let beat):
                connection.send(.heartbeat(Heartbeat(sequence: beat.sequence + 1)))
            case .logChunk(let chunk):
                connection.send(.logChunk(chunk))
            default:
                break
            }
        }
    }
}

/// The server-side connection id whose certificate names `agent`.
func serverID(_ recorder: Recorder, agent: String) -> UInt64? {
    recorder.events.compactMap {
        if case .active(let id, let peer) = $0, peer?.name == agent { id } else { nil }
    }.first
}

@Suite("FramedConnection over loopback TLS")
struct FramedConnectionTests {
    @Test("hello, heartbeat and a 64 KiB log chunk travel both ways with peer identities")
    func exchangeBothWays() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki)
        defer { fixture.stop() }
        let server = fixture.serverRecorder
        try await installEcho(server, on: fixture.serverLoop)

        let hello = Hello(minVersion: 1, maxVersion: 1, role: .agent, name: "a1", labels: ["linux", "x86_64"], capacity: 2)
        let big = logChunk(7)
        let client = Recorder()
        client.onActive = { connection in
            connection.send(.hello(hello))
            connection.send(.heartbeat(Heartbeat(sequence: 41)))
            connection.send(.logChunk(big))
        }
        let id = try await fixture.connect(client, tls: try pki.agent("a1"))

        #expect(await eventually { client.messages().count == 3 })
        #expect(client.messages() == [
            .welcome(Welcome(version: 1, coordinatorName: "coordinator", heartbeatIntervalMillis: 5_000, heartbeatTimeoutMillis: 15_000)),
            .heartbeat(Heartbeat(sequence: 42)),
            .logChunk(big),
        ])
        #expect(server.messages() == [.hello(hello), .heartbeat(Heartbeat(sequence: 41)), .logChunk(big)])
        #expect(client.events.first == .active(id: id, peer: PeerIdentity(role: "coordinator", name: "coordinator")))
        #expect(serverID(server, agent: "a1") != nil)
        if case .active(_, let peer) = server.events.first { #expect(peer == PeerIdentity(role: "agent", name: "a1")) }

        // A local close is clean on both sides: close_notify, then nil errors.
        try await Fixture.with(client, id, on: fixture.clientLoop) { $0.close() }
        #expect(await eventually { client.isClosed(id) && server.closes().count == 1 })
        #expect(client.closeError(id) == .some(nil))
        #expect(server.closes().map(\.1) == [nil])
        #expect(try await fixture.withServer { $0.connectionCount } == 0)
    }

    @Test("10 000 messages, queued before the handshake, arrive in order both ways")
    func manyMessagesInOrder() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki)
        defer { fixture.stop() }
        try await installEcho(fixture.serverRecorder, on: fixture.serverLoop)
        let count = 10_000
        let refused = Mutex(0)
        let client = Recorder()
        _ = try await fixture.connect(client, tls: try pki.agent()) { connection in
            for sequence in 0..<count where !connection.send(.heartbeat(Heartbeat(sequence: UInt64(sequence) * 2))) {
                refused.withLock { $0 += 1 }
            }
        }
        #expect(refused.withLock { $0 } == 0)
        #expect(await eventually(60) { client.messages().count == count })
        #expect(fixture.serverRecorder.messages() == (0..<count).map { .heartbeat(Heartbeat(sequence: UInt64($0) * 2)) })
        #expect(client.messages() == (0..<count).map { .heartbeat(Heartbeat(sequence: UInt64($0) * 2 + 1)) })
    }

    @Test("a plaintext client sending garbage is dropped; an established TLS connection keeps working")
    func garbageClientDropped() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki)
        defer { fixture.stop() }
        let server = fixture.serverRecorder
        try await installEcho(server, on: fixture.serverLoop)
        let good = Recorder()
        let goodID = try await fixture.connect(good, tls: try pki.agent())
        #expect(await eventually { good.activeIDs() == [goodID] && server.activeIDs().count == 1 })

        let raw = try RawTCPClient(port: fixture.port)
        raw.send(Array("GET / HTTP/1.1\r\nHost: coordinator\r\n\r\n".utf8) + [UInt8](repeating: 0xFF, count: 300))
        #expect(raw.waitForClose())
        #expect(await eventually { server.closes().count == 1 })
        #expect(server.closes().first?.1.isTLS == true)

        try await Fixture.with(good, goodID, on: fixture.clientLoop) { $0.send(.heartbeat(Heartbeat(sequence: 1))) }
        #expect(await eventually { good.messages() == [.heartbeat(Heartbeat(sequence: 2))] })
        #expect(!good.isClosed(goodID))
    }

    @Test("a client whose certificate comes from another CA is refused")
    func foreignCertificateRefused() async throws {
        let pki = try TestPKI()
        let foreign = try TestPKI()
        let fixture = try await Fixture(pki: pki)
        defer { fixture.stop() }
        let server = fixture.serverRecorder
        // Trusts the real CA (so it accepts the server), but presents a foreign certificate.
        let impostorTLS = try TLSConfiguration.client(
            caCertificatePath: "\(pki.directory)/ca.crt",
            certificatePath: "\(foreign.directory)/agent-a1.crt",
            privateKeyPath: "\(foreign.directory)/agent-a1.key")
        let impostor = Recorder()
        let id = try await fixture.connect(impostor, tls: impostorTLS) { connection in
            connection.send(.heartbeat(Heartbeat(sequence: 1)))
        }
        #expect(await eventually { impostor.isClosed(id) && server.closes().count == 1 })
        #expect(server.activeIDs().isEmpty)
        #expect(server.messages().isEmpty)
        if case .some(.some(.tls(.peerVerificationFailed))) = server.closes().first?.1 {} else {
            Issue.record("server should refuse the certificate, got \(String(describing: server.closes().first?.1))")
        }
        #expect(impostor.closeError(id) != .some(nil))
    }

    @Test("a server certificate that does not name the host is refused by the client")
    func serverNameMismatch() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki)
        defer { fixture.stop() }
        let client = Recorder()
        let id = try await fixture.connect(client, tls: try pki.agent(), serverName: "elsewhere.example")
        #expect(await eventually { client.isClosed(id) })
        #expect(client.activeIDs().isEmpty)
        if case .some(.some(.tls(.peerVerificationFailed))) = client.closeError(id) {} else {
            Issue.record("expected a verification failure, got \(String(describing: client.closeError(id)))")
        }
    }

    @Test("an oversized frame gets an Error frame and a close; other connections are unaffected")
    func oversizedFrame() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki)
        defer { fixture.stop() }
        let server = fixture.serverRecorder
        try await installEcho(server, on: fixture.serverLoop)
        let victim = Recorder()
        let bystander = Recorder()
        let victimID = try await fixture.connect(victim, tls: try pki.agent("a2"))
        let bystanderID = try await fixture.connect(bystander, tls: try pki.agent("a1"))
        #expect(await eventually { server.activeIDs().count == 2 && victim.activeIDs().count == 1 })

        // A length prefix of 2^31-1: rejected from the header alone, before any allocation.
        try await Fixture.with(victim, victimID, on: fixture.clientLoop) {
            $0.sendUnframed([0x7F, 0xFF, 0xFF, 0xFF, MessageType.logChunk.rawValue])
        }
        #expect(await eventually { victim.isClosed(victimID) })
        let errors = victim.messages().compactMap { if case .error(let error) = $0 { error } else { nil } }
        #expect(errors.map(\.code) == [.frameTooLarge])
        let victimOnServer = try #require(serverID(server, agent: "a2"))
        #expect(await eventually { server.isClosed(victimOnServer) })
        let limit = ProtocolLimits.default.maxFrameBytes
        #expect(server.closeError(victimOnServer) == .some(.protocolViolation(.frameTooLarge(length: 0x7FFF_FFFF, limit: limit))))

        try await Fixture.with(bystander, bystanderID, on: fixture.clientLoop) {
            $0.send(.heartbeat(Heartbeat(sequence: 10)))
        }
        #expect(await eventually { bystander.messages() == [.heartbeat(Heartbeat(sequence: 11))] })
        #expect(!bystander.isClosed(bystanderID))
    }

    @Test("a client that connects and sends nothing is closed after the handshake timeout")
    func handshakeTimeout() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki, limits: ConnectionLimits(handshakeTimeoutMillis: 200))
        defer { fixture.stop() }
        let raw = try RawTCPClient(port: fixture.port)
        #expect(raw.waitForClose())
        #expect(await eventually { fixture.serverRecorder.closes().count == 1 })
        #expect(fixture.serverRecorder.closes().first?.1 == .some(.handshakeTimeout))
        #expect(fixture.serverRecorder.activeIDs().isEmpty)
    }

    @Test("connecting to a closed port reports connectFailed")
    func connectRefused() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki)
        defer { fixture.stop() }
        try await fixture.withServer { $0.close() }
        let client = Recorder()
        let id = try await fixture.connect(client, tls: try pki.agent())
        #expect(await eventually { client.isClosed(id) })
        guard case .some(.some(.connectFailed(let error))) = client.closeError(id) else {
            Issue.record("expected connectFailed, got \(String(describing: client.closeError(id)))")
            return
        }
        #expect(error.errno == ECONNREFUSED)
        #expect(client.activeIDs().isEmpty)
    }

    @Test("servers listen on ::1 and localhost", arguments: ["::1", "localhost"])
    func otherHosts(host: String) async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki, host: host)
        defer { fixture.stop() }
        try await installEcho(fixture.serverRecorder, on: fixture.serverLoop)
        let client = Recorder()
        client.onActive = { $0.send(.heartbeat(Heartbeat(sequence: 0))) }
        let id = try await fixture.connect(client, tls: try pki.agent(), host: host)
        #expect(await eventually { client.messages() == [.heartbeat(Heartbeat(sequence: 1))] })
        #expect(!client.isClosed(id))
    }

    @Test("shutting a loop down closes its connections cleanly and tells their delegates")
    func loopShutdownClosesConnections() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki)
        defer { fixture.stop() }
        let server = fixture.serverRecorder
        let client = Recorder()
        let id = try await fixture.connect(client, tls: try pki.agent())
        #expect(await eventually { server.activeIDs().count == 1 && client.activeIDs() == [id] })
        fixture.serverLoop.shutdown()
        fixture.serverLoop.waitUntilStopped()
        #expect(server.closes().map(\.1) == [nil])
        #expect(await eventually { client.isClosed(id) })
    }
}
