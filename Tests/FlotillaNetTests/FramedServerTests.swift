import Dispatch
import Synchronization
import Testing
import FlotillaTLS
import WireProtocol
@testable import FlotillaNet

/// Loop-confined state of the back-pressure pump.
private final class Pump {
    var next = 0
    var refusals = 0
    var writableCalls = 0
}

@Suite("FramedServer limits and back-pressure")
struct FramedServerTests {
    @Test("the send queue is bounded: a full queue refuses, onWritable resumes, nothing is lost")
    func boundedSendQueue() async throws {
        let pki = try TestPKI()
        let maxBuffered = 1 << 20
        let fixture = try await Fixture(pki: pki, limits: ConnectionLimits(maxBufferedSendBytes: maxBuffered))
        defer { fixture.stop() }
        let server = fixture.serverRecorder
        let client = Recorder()
        _ = try await fixture.connect(client, tls: try pki.agent())
        #expect(await eventually { server.activeIDs().count == 1 && client.activeIDs().count == 1 })

        // The client's loop stops reading until released (bounded, so a failure cannot hang).
        let release = DispatchSemaphore(value: 0)
        fixture.clientLoop.execute { _ = release.wait(timeout: .now() + 60) }

        let total = 200  // 12.8 MB: far more than the send queue plus the kernel's socket buffers
        let report = Mutex<(firstBatch: Int, bufferedAtRefusal: Int, refusedAgain: Bool)>((0, 0, false))
        let pumpState = Mutex<(sent: Int, refusals: Int, writableCalls: Int)>((0, 0, 0))
        try await fixture.serverLoop.submit {
            let connection = server.connections.values.first!
            let pump = Pump()
            func fill() {
                while pump.next < total {
                    guard connection.send(.logChunk(logChunk(pump.next))) else {
                        pump.refusals += 1
                        break
                    }
                    pump.next += 1
                }
                pumpState.withLock { $0 = (pump.next, pump.refusals, pump.writableCalls) }
            }
            fill()
            // Nothing was written yet (this task holds the loop), so the bound alone stopped it.
            let refusedAgain = !connection.send(.logChunk(logChunk(pump.next)))
            report.withLock { $0 = (pump.next, connection.bufferedSendBytes, refusedAgain) }
            connection.onWritable = {
                pump.writableCalls += 1
                fill()
            }
        }
        let (firstBatch, bufferedAtRefusal, refusedAgain) = report.withLock { $0 }
        #expect(firstBatch > 0 && firstBatch < total)
        #expect(bufferedAtRefusal <= maxBuffered)
        #expect(bufferedAtRefusal + FrameEncoder.encode(.logChunk(logChunk(0))).count > maxBuffered)
        #expect(refusedAgain)

        release.signal()
        let arrived = await eventually(60) { client.messages().count == total }
        #expect(arrived, "client got \(client.messages().count) of \(total) chunks; server pump \(pumpState.withLock { $0 })")
        // Compared one by one so a failure does not print megabytes of payload.
        let received = client.messages()
        let mismatches = received.indices.filter { received[$0] != .logChunk(logChunk($0)) }
        #expect(mismatches.isEmpty, "chunks out of order or corrupted at \(mismatches.prefix(5))")
        let (sent, refusals, writableCalls) = pumpState.withLock { $0 }
        #expect(sent == total)
        #expect(refusals >= 1)
        #expect(writableCalls >= 1)
    }

    @Test("a connection closed inside onAccept releases its socket and reports its close")
    func closeInsideOnAccept() async throws {
        let pki = try TestPKI()
        let serverLoop = try EventLoop.startOnNewThread(name: "accept-close")
        let clientLoop = try EventLoop.startOnNewThread(name: "accept-close-client")
        defer {
            for loop in [clientLoop, serverLoop] { loop.shutdown(); loop.waitUntilStopped() }
        }
        let serverSide = Recorder()
        let tls = try pki.server()
        let port = try await serverLoop.submit {
            let server = try FramedServer(loop: serverLoop, host: "127.0.0.1", port: 0, tls: tls) { connection in
                connection.delegate = serverSide
                connection.close()
            }
            return server.localPort
        }
        let client = Recorder()
        let agentTLS = try pki.agent()
        let id = try await clientLoop.submit {
            let connection = try FramedClient.connect(loop: clientLoop, host: "127.0.0.1", port: port, tls: agentTLS,
                                                      serverName: "127.0.0.1", delegate: client)
            client.connections[connection.id] = connection
            return connection.id
        }
        #expect(await eventually { client.isClosed(id) && serverSide.closes().count == 1 })
        #expect(serverSide.closes().first?.1 == .some(nil))
        #expect(serverSide.activeIDs().isEmpty && client.activeIDs().isEmpty)
        // Only the listener is still registered: the refused socket was closed, not left behind.
        #expect(try await serverLoop.submit { serverLoop.registrationCount } == 1)
    }

    @Test("beyond maxConnections new sockets are closed at once; a freed slot is reused")
    func maxConnections() async throws {
        let pki = try TestPKI()
        let fixture = try await Fixture(pki: pki, limits: ConnectionLimits(maxConnections: 2))
        defer { fixture.stop() }
        let server = fixture.serverRecorder
        let first = Recorder()
        let second = Recorder()
        let firstID = try await fixture.connect(first, tls: try pki.agent("a1"))
        _ = try await fixture.connect(second, tls: try pki.agent("a2"))
        #expect(await eventually { server.activeIDs().count == 2 })

        let third = Recorder()
        let thirdID = try await fixture.connect(third, tls: try pki.agent("a3"))
        #expect(await eventually { third.isClosed(thirdID) })
        #expect(third.activeIDs().isEmpty)
        #expect(third.closeError(thirdID) != .some(nil))
        #expect(try await fixture.withServer { ($0.rejectedConnectionCount, $0.connectionCount) } == (1, 2))
        #expect(server.closes().isEmpty)

        try await Fixture.with(first, firstID, on: fixture.clientLoop) { $0.close() }
        #expect(await eventually { server.closes().count == 1 })
        #expect(try await fixture.withServer { $0.connectionCount } == 1)
        let fourth = Recorder()
        let fourthID = try await fixture.connect(fourth, tls: try pki.agent("a4"))
        #expect(await eventually { fourth.activeIDs() == [fourthID] })
        #expect(await eventually { serverID(server, agent: "a4") != nil })
    }
}
