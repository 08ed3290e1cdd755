import FlotillaTLS
import Testing
import TestSupport
import WireProtocol

extension EndToEndTests {
    /// Connections a coordinator must refuse, made while it is running a job: each one is
    /// turned away, and the run in progress finishes as if nothing happened.
    @Suite("Hostile connections")
    struct HostileConnectionTests {
        /// Bound for each probe to see the server's answer; a hang is the failure.
        static let probeTimeoutMillis = 15_000

        @Test("plaintext, no certificate, foreign CA, oversized frame and garbage are refused mid-run")
        func refusedWhileARunContinues() async throws {
            let harness = try FlotillaHarness("hostile")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["alpha"], clients: ["tester", "prober"])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            _ = try await harness.startAgent(name: "alpha", labels: ["linux"], pki: pki, port: port, coordinator: coordinator)
            let release = harness.directory.file("release")
            // The job holds until the test has finished probing, so every probe meets a busy
            // coordinator; the loop is bounded so a broken test cannot leave it behind.
            let pipeline = try harness.writePipeline("""
                jobs:
                  hold:
                    runs-on: [linux]
                    steps:
                      - name: Wait for release
                        run: |
                          for i in $(seq 1 1200); do
                            if [ -f '\(release)' ]; then echo released; exit 0; fi
                            sleep 0.05
                          done
                          echo "never released"; exit 1
                """)
            let run = try harness.start(["run", pipeline, "--coordinator", "127.0.0.1:\(port)", "--pki", pki,
                                         "--name", "tester", "--source", try harness.directory.makeDirectory("source")],
                                        label: "run")
            #expect(await run.waitForOutput(containing: "hold: running on alpha", timeout: FlotillaHarness.commandTimeout),
                    "\(run.transcript)")

            try plaintextHTTPIsClosed(port: port)
            #expect(coordinator.isRunning, "after plaintext HTTP:\n\(coordinator.transcript)")

            let noCertificate = try TLSConfiguration.clientWithoutCertificate(caCertificatePath: pki + "/ca.crt")
            try expectRefusedDuringTLS(port: port, configuration: noCertificate, what: "a client without a certificate")
            #expect(coordinator.isRunning, "after no certificate:\n\(coordinator.transcript)")

            let foreign = harness.directory.file("foreign-pki")
            try PKI.initialize(directory: foreign, hosts: ["127.0.0.1"])
            try PKI.issue(directory: foreign, role: "client", name: "tester")
            let foreignPaths = PKI.paths(directory: foreign, role: "client", name: "tester")
            // Trusts the fleet CA (so this side's handshake goes ahead) but presents a foreign certificate.
            let foreignCertificate = try TLSConfiguration.client(caCertificatePath: pki + "/ca.crt",
                                                                 certificatePath: foreignPaths.certificate,
                                                                 privateKeyPath: foreignPaths.key)
            try expectRefusedDuringTLS(port: port, configuration: foreignCertificate, what: "a certificate from another CA")
            #expect(coordinator.isRunning, "after foreign CA:\n\(coordinator.transcript)")

            let prober = try TLSConfiguration.forPeer(pkiDirectory: pki, role: "client", name: "prober")
            let oversized = try errorFrameAfterSending([0x7F, 0xFF, 0xFF, 0xFF], port: port, configuration: prober)
            #expect(oversized?.code == .frameTooLarge, "reply to a 0x7FFFFFFF length: \(String(describing: oversized))")
            #expect(coordinator.isRunning, "after oversized frame:\n\(coordinator.transcript)")

            var random = SplitMix64(seed: 0xF10_7111A)
            // A sane length, then a type byte no version defines, then noise.
            let garbage: [UInt8] = [0x00, 0x00, 0x00, 0x20, 0xEE] + random.bytes(31)
            let garbageReply = try errorFrameAfterSending(garbage, port: port, configuration: prober)
            #expect(garbageReply?.code == .unknownMessageType, "reply to garbage: \(String(describing: garbageReply))")
            #expect(coordinator.isRunning, "after garbage:\n\(coordinator.transcript)")

            // New sessions are still welcome.
            let welcome = try handshakeAsClient(port: port, configuration: prober, name: "prober")
            #expect(welcome != nil, "a valid client was not welcomed after the probes")

            try harness.directory.write("go\n", to: "release")
            let result = try await harness.finish(run)
            #expect(result.termination == .exited(0), "\(result.transcript)\n\(coordinator.transcript)")
            #expect(RunReport(result.stdout).row("hold")?.status == "succeeded", "\(result.stdout)")
            #expect(coordinator.isRunning, "\(coordinator.transcript)")
        }

        /// An HTTP request where a TLS ClientHello belongs: the server closes the connection.
        private func plaintextHTTPIsClosed(port: UInt16) throws {
            let connection = try LoopbackConnection(port: port)
            defer { connection.close() }
            try connection.write(Array("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            let (bytes, closed) = connection.readUntilClosed(timeoutMillis: Self.probeTimeoutMillis)
            #expect(closed, "the coordinator kept a plaintext HTTP connection open")
            #expect(!bytes.starts(with: Array("HTTP/".utf8)), "the coordinator answered plaintext HTTP")
        }

        /// The handshake (or the first read after it, TLS 1.3 verifying client certificates
        /// late) fails; the server never answers a Hello.
        private func expectRefusedDuringTLS(port: UInt16, configuration: TLSConfiguration, what: String) throws {
            let probe = try TLSProbeClient(port: port, configuration: configuration)
            defer { probe.connection.close() }
            switch probe.handshake(timeoutMillis: Self.probeTimeoutMillis) {
            case .failed, .closedByPeer:
                return
            case .timedOut:
                Issue.record("\(what): the TLS handshake neither completed nor failed")
            case .completed:
                // Our half finished; the server's verdict on our certificate arrives next.
                try? probe.send(FrameEncoder.encode(.hello(clientHello(name: "tester"))))
                let (plaintext, ending) = probe.receiveUntilEnd(timeoutMillis: Self.probeTimeoutMillis)
                #expect(ending.peerEndedSession, "\(what): the server kept the session open")
                let replies = decodeAll(plaintext)
                #expect(!replies.contains { if case .welcome = $0 { true } else { false } },
                        "\(what) was welcomed: \(replies)")
            }
        }

        /// Completes TLS with a valid certificate, sends `bytes`, and returns the Error frame
        /// the server answered with before closing (nil when it sent none).
        private func errorFrameAfterSending(_ bytes: [UInt8], port: UInt16,
                                            configuration: TLSConfiguration) throws -> ProtocolErrorMessage? {
            let probe = try TLSProbeClient(port: port, configuration: configuration)
            defer { probe.connection.close() }
            let handshake = probe.handshake(timeoutMillis: Self.probeTimeoutMillis)
            try #require(handshake == .completed, "TLS with a valid certificate: \(handshake)")
            try probe.send(bytes)
            let (plaintext, ending) = probe.receiveUntilEnd(timeoutMillis: Self.probeTimeoutMillis)
            #expect(ending.peerEndedSession, "the server kept the connection open after \(bytes.prefix(8))…")
            let replies = decodeAll(plaintext)
            #expect(replies.count == 1, "expected exactly one Error frame, got \(replies)")
            guard case .error(let error)? = replies.first else { return nil }
            return error
        }

        /// A full client handshake; returns the Welcome.
        private func handshakeAsClient(port: UInt16, configuration: TLSConfiguration, name: String) throws -> Welcome? {
            let probe = try TLSProbeClient(port: port, configuration: configuration)
            defer { probe.connection.close() }
            guard probe.handshake(timeoutMillis: Self.probeTimeoutMillis) == .completed else { return nil }
            try probe.send(FrameEncoder.encode(.hello(clientHello(name: name))))
            var decoder = FrameDecoder()
            let deadline = ContinuousClock.now + .milliseconds(Self.probeTimeoutMillis)
            while ContinuousClock.now < deadline {
                var plaintext: [UInt8] = []
                switch try probe.engine.readPlaintext(into: &plaintext, maxBytes: 65_536) {
                case .bytes:
                    decoder.append(plaintext)
                    while let message = try decoder.nextMessage() {
                        if case .welcome(let welcome) = message { return welcome }
                    }
                case .closed:
                    return nil
                case .wantMoreInput:
                    switch probe.connection.read(timeoutMillis: 200) {
                    case .bytes(let bytes): probe.engine.receiveCiphertext(bytes)
                    case .closed: return nil
                    case .timedOut: continue
                    }
                }
            }
            return nil
        }

        private func clientHello(name: String) -> Hello {
            Hello(minVersion: ProtocolVersion.supported.lowerBound, maxVersion: ProtocolVersion.supported.upperBound,
                  role: .client, name: name)
        }

        /// Every complete message in `bytes`, stopping at the first undecodable frame.
        private func decodeAll(_ bytes: [UInt8]) -> [Message] {
            var decoder = FrameDecoder()
            decoder.append(bytes)
            var messages: [Message] = []
            while let message = try? decoder.nextMessage() { messages.append(message) }
            return messages
        }
    }
}
