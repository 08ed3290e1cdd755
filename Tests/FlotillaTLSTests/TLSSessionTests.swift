import Foundation
import Testing
import FlotillaTLS

@Suite("TLS session data")
struct TLSSessionTests {
    /// Two engines with a completed handshake.
    private func connectedPair() throws -> (client: TLSEngine, server: TLSEngine, fleet: Fleet) {
        let fleet = try Fleet()
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: "localhost")
        let outcome = runHandshake(client: client, server: server)
        try #require(outcome.clientError == nil && outcome.serverError == nil)
        try #require(client.isHandshakeComplete && server.isHandshakeComplete)
        return (client, server, fleet)
    }

    /// Sends `payload` from `sender` to `receiver` in `chunk`-sized writes, delivering the
    /// ciphertext in uneven pieces so records arrive split; returns what the receiver read.
    private func stream(_ payload: [UInt8], from sender: TLSEngine, to receiver: TLSEngine,
                        chunk: Int) throws -> [UInt8] {
        var received: [UInt8] = []
        received.reserveCapacity(payload.count)
        var offset = 0
        var piece = 1
        var rounds = 0
        while received.count < payload.count {
            rounds += 1
            try #require(rounds < 10_000, "stream made no progress")
            if offset < payload.count {
                let end = min(offset + chunk, payload.count)
                try payload.withUnsafeBytes { raw in
                    try sender.writePlaintext(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                }
                offset = end
            }
            let ciphertext = sender.takeCiphertext()
            #expect(!sender.hasPendingCiphertext)
            var start = 0
            while start < ciphertext.count {
                piece = piece % 7919 + 1013  // odd sizes that straddle record boundaries
                let end = min(start + piece, ciphertext.count)
                receiver.receiveCiphertext(Array(ciphertext[start..<end]))
                start = end
                while case .bytes = try receiver.readPlaintext(into: &received, maxBytes: 100_000) {}
            }
            if offset >= payload.count, ciphertext.isEmpty { break }
        }
        return received
    }

    @Test("5 MiB travel byte-exact in both directions")
    func roundTrip() throws {
        let (client, server, _) = try connectedPair()
        let upload = patternBytes(count: 5 << 20, seed: 0x5EED)
        let download = patternBytes(count: 5 << 20, seed: 0xD0_0D)
        let atServer = try stream(upload, from: client, to: server, chunk: 65_536)
        #expect(atServer.count == upload.count)
        #expect(atServer == upload)
        let atClient = try stream(download, from: server, to: client, chunk: 50_000)
        #expect(atClient.count == download.count)
        #expect(atClient == download)
    }

    @Test("readPlaintext respects maxBytes and keeps the rest for later")
    func maxBytesRespected() throws {
        let (client, server, _) = try connectedPair()
        let payload = patternBytes(count: 40_000, seed: 7)
        try client.writePlaintext(payload)
        transfer(from: client, to: server)
        var buffer: [UInt8] = [0xAA]
        #expect(try server.readPlaintext(into: &buffer, maxBytes: 1000) == .bytes(1000))
        #expect(buffer.count == 1001 && buffer[0] == 0xAA, "appends, never overwrites")
        #expect(try server.readPlaintext(into: &buffer, maxBytes: 1_000_000) == .bytes(39_000))
        #expect(Array(buffer.dropFirst()) == payload)
        #expect(try server.readPlaintext(into: &buffer, maxBytes: 10) == .wantMoreInput)
    }

    @Test("close_notify reads as .closed on both sides, and writes after shutdown fail")
    func closeNotify() throws {
        let (client, server, _) = try connectedPair()
        try client.writePlaintext(Array("last words".utf8))
        client.shutdown()
        client.shutdown()  // idempotent
        #expect(client.hasPendingCiphertext)
        transfer(from: client, to: server)
        var buffer: [UInt8] = []
        #expect(try server.readPlaintext(into: &buffer, maxBytes: 4096) == .bytes(10))
        #expect(String(decoding: buffer, as: UTF8.self) == "last words")
        #expect(try server.readPlaintext(into: &buffer, maxBytes: 4096) == .closed)
        #expect(try server.readPlaintext(into: &buffer, maxBytes: 4096) == .closed)
        #expect(throws: TLSError.sessionClosed) { try client.writePlaintext(Array("more".utf8)) }

        server.shutdown()
        transfer(from: server, to: client)
        #expect(try client.readPlaintext(into: &buffer, maxBytes: 4096) == .closed)
    }

    @Test("a plaintext HTTP request to the server fails the handshake without crashing")
    func plaintextClientRefused() throws {
        let fleet = try Fleet()
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        server.receiveCiphertext(Array("GET / HTTP/1.1\r\n\r\n".utf8))
        var firstError: TLSError?
        do {
            _ = try server.advanceHandshake()
        } catch {
            firstError = error
        }
        guard case .handshakeFailed = firstError else {
            Issue.record("expected handshakeFailed, got \(String(describing: firstError))")
            return
        }
        #expect(firstError?.isPeerFault == true)
        #expect(throws: firstError!) { try server.advanceHandshake() }
        #expect(!server.isHandshakeComplete)
        #expect(server.peerIdentity == nil)
    }

    @Test("random bytes fail the handshake or wait for more, never crash",
          arguments: [1, 2, 3, 42, 1337, 0xBEEF])
    func randomBytes(seed: Int) throws {
        let fleet = try Fleet()
        for configuration in [try fleet.coordinatorConfiguration(), try fleet.agentConfiguration()] {
            let engine = try TLSEngine(configuration: configuration)
            _ = try? engine.advanceHandshake()  // a client emits its ClientHello first
            _ = engine.takeCiphertext()
            var settled = false
            for round in 0..<64 where !settled {
                engine.receiveCiphertext(patternBytes(count: 1 + (round * 37) % 600, seed: UInt64(seed * 100 + round)))
                do {
                    #expect(try engine.advanceHandshake() == false, "garbage cannot complete a handshake")
                } catch {
                    settled = true
                }
                _ = engine.takeCiphertext()
            }
            #expect(settled, "64 rounds of garbage must end in an error")
            #expect(!engine.isHandshakeComplete)
        }
    }

    @Test("a TLS 1.2-only client is refused (TLS 1.3 only)")
    func tls12ClientRefused() throws {
        let fleet = try Fleet()
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        // ClientHello captured from `openssl s_client -tls1_2` (offers TLS 1.2, no
        // supported_versions extension).
        server.receiveCiphertext(hexBytes(tls12ClientHello))
        do {
            _ = try server.advanceHandshake()
            Issue.record("the server accepted a TLS 1.2 ClientHello")
        } catch let error {
            guard case let .handshakeFailed(openSSL) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(openSSL.contains("protocol"), "stack: \(openSSL)")
        }
        // The server answers with a protocol_version alert (record type 21).
        let alert = server.takeCiphertext()
        #expect(alert.first == 21)
    }

    @Test("a ClientHello split at every byte still completes the handshake")
    func byteAtATime() throws {
        let fleet = try Fleet()
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: "localhost")
        #expect(try client.advanceHandshake() == false)
        let hello = client.takeCiphertext()
        #expect(!hello.isEmpty)
        for byte in hello.dropLast() {
            server.receiveCiphertext([byte])
            #expect(try server.advanceHandshake() == false)
        }
        server.receiveCiphertext([hello.last!])
        let outcome = runHandshake(client: client, server: server)
        #expect(outcome.clientError == nil && outcome.serverError == nil)
        #expect(server.peerIdentity?.role == "agent")
    }
}

private let tls12ClientHello = """
16030100b7010000b3030306651e6d28197e4ac3d09fe5a1e04401e42eca2701b97cf7086af92ea3e37518000038c02cc030009f\
cca9cca8ccaac02bc02f009ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff0100\
0052000b000403000102000a000c000a001d0017001e00190018002300000016000000170000000d002a00280403050306030807\
08080809080a080b080408050806040105010601030303010302040205020602
"""

private func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { index in
        UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16)!
    }
}
