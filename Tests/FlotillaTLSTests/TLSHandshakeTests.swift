import Foundation
import Testing
import FlotillaTLS

@Suite("TLS handshake")
struct TLSHandshakeTests {
    @Test("mutual handshake reads both identities and negotiates TLS 1.3")
    func handshakeSucceeds() throws {
        let fleet = try Fleet()
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: "localhost")
        #expect(!client.isHandshakeComplete)
        #expect(client.peerIdentity == nil)
        #expect(client.negotiatedProtocol == nil)

        let outcome = runHandshake(client: client, server: server)
        #expect(outcome.clientError == nil)
        #expect(outcome.serverError == nil)
        #expect(client.isHandshakeComplete && server.isHandshakeComplete)
        #expect(server.peerIdentity == PeerIdentity(role: "agent", name: Fleet.agentName))
        #expect(client.peerIdentity == PeerIdentity(role: "coordinator", name: "coordinator"))
        #expect(client.negotiatedProtocol == "TLSv1.3")
        #expect(server.negotiatedProtocol == "TLSv1.3")
        #expect(client.negotiatedCipherSuite?.hasPrefix("TLS_") == true)
        #expect(try client.advanceHandshake(), "a completed handshake stays complete")
    }

    @Test("IP subjectAltNames match IPv4 and IPv6 literals", arguments: ["127.0.0.1", "::1", "[::1]"])
    func ipSubjectAltNames(serverName: String) throws {
        let fleet = try Fleet()
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: serverName)
        let outcome = runHandshake(client: client, server: server)
        #expect(outcome.clientError == nil)
        #expect(outcome.serverError == nil)
        #expect(client.peerIdentity?.role == "coordinator")
    }

    @Test("a server name the certificate does not carry is refused",
          arguments: ["example.invalid", "10.1.2.3", "::2"])
    func nameMismatchRefused(serverName: String) throws {
        let fleet = try Fleet()
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: serverName)
        let outcome = runHandshake(client: client, server: server)
        guard case let .peerVerificationFailed(reason, _, _) = outcome.clientError else {
            Issue.record("expected a verification failure, got \(String(describing: outcome.clientError))")
            return
        }
        #expect(reason.contains("mismatch"))
        #expect(outcome.clientError?.isPeerFault == true)
        #expect(!outcome.serverComplete)
        #expect(client.peerIdentity == nil)
    }

    @Test("a client certificate from another CA is refused by the server")
    func clientFromAnotherCARefused() throws {
        let fleet = try Fleet()
        let stranger = try Fleet()
        let strangerAgent = PKI.paths(directory: stranger.pkiPath, role: "agent", name: Fleet.agentName)
        // Trusts the right CA (so it accepts the server) but presents a foreign certificate.
        let configuration = try TLSConfiguration.client(
            caCertificatePath: PKI.paths(directory: fleet.pkiPath, role: "agent", name: "x").ca,
            certificatePath: strangerAgent.certificate, privateKeyPath: strangerAgent.key)
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: configuration, serverName: "localhost")
        let outcome = runHandshake(client: client, server: server)

        guard case let .peerVerificationFailed(reason, code, _) = outcome.serverError else {
            Issue.record("expected a verification failure, got \(String(describing: outcome.serverError))")
            return
        }
        #expect(reason.contains("issuer"), "reason: \(reason)")
        #expect(code != 0)
        #expect(server.peerIdentity == nil)
        // In TLS 1.3 the client finishes first; the server's alert surfaces on its next read.
        try expectClientRejected(client, outcome: outcome)
    }

    @Test("a client without a certificate is refused by the server")
    func clientWithoutCertificateRefused() throws {
        let fleet = try Fleet()
        let configuration = try TLSConfiguration.clientWithoutCertificate(
            caCertificatePath: PKI.paths(directory: fleet.pkiPath, role: "agent", name: "x").ca)
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: configuration, serverName: "localhost")
        let outcome = runHandshake(client: client, server: server)

        guard case let .handshakeFailed(openSSL) = outcome.serverError else {
            Issue.record("expected a handshake failure, got \(String(describing: outcome.serverError))")
            return
        }
        #expect(openSSL.contains("certificate"), "stack: \(openSSL)")
        #expect(server.peerIdentity == nil)
        try expectClientRejected(client, outcome: outcome)
    }

    @Test("a server certificate from another CA is refused by the client")
    func serverFromAnotherCARefused() throws {
        let fleet = try Fleet()
        let stranger = try Fleet()
        let server = try TLSEngine(configuration: stranger.coordinatorConfiguration())
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: "localhost")
        let outcome = runHandshake(client: client, server: server)
        guard case let .peerVerificationFailed(reason, _, _) = outcome.clientError else {
            Issue.record("expected a verification failure, got \(String(describing: outcome.clientError))")
            return
        }
        #expect(reason.contains("issuer"), "reason: \(reason)")
        #expect(!outcome.serverComplete)
        #expect(client.peerIdentity == nil)
        // The failure is sticky: asking again reports the same error.
        #expect(throws: outcome.clientError!) { try client.advanceHandshake() }
    }

    @Test("a second coordinator issued by the same CA serves its own hosts")
    func secondCoordinator() throws {
        let fleet = try Fleet()
        try PKI.issue(directory: fleet.pkiPath, role: "coordinator", name: "coord-b",
                      hosts: ["ci.example.test", "10.0.0.5"])
        let configuration = try TLSConfiguration.forPeer(pkiDirectory: fleet.pkiPath, role: "coordinator",
                                                         name: "coord-b")
        #expect(configuration.side == .server)
        for name in ["ci.example.test", "10.0.0.5"] {
            let server = try TLSEngine(configuration: configuration)
            let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: name)
            let outcome = runHandshake(client: client, server: server)
            #expect(outcome.clientError == nil && outcome.serverError == nil)
            #expect(client.peerIdentity == PeerIdentity(role: "coordinator", name: "coord-b"))
        }
        let server = try TLSEngine(configuration: configuration)
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: "localhost")
        let outcome = runHandshake(client: client, server: server)
        #expect(outcome.clientError != nil, "coord-b's certificate does not name localhost")
    }

    @Test("server names that are neither DNS names nor IP literals are refused",
          arguments: ["", "bad name", "a..b", "host:443", "*.example.com"])
    func invalidServerName(serverName: String) throws {
        let fleet = try Fleet()
        #expect(throws: TLSError.invalidServerName(serverName)) {
            _ = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: serverName)
        }
    }

    @Test("a CA-signed certificate without exactly one OU and one CN is refused",
          arguments: [("/CN=rogue", "OU"), ("/OU=agent/OU=coordinator/CN=rogue", "OU"), ("/OU=agent", "CN")])
    func identityRequired(subject: String, missing: String) throws {
        let fleet = try Fleet()
        let ca = PKI.paths(directory: fleet.pkiPath, role: "agent", name: "x").ca
        let key = fleet.directory.file("rogue.key")
        let request = fleet.directory.file("rogue.csr")
        let certificate = fleet.directory.file("rogue.crt")
        // PKI never writes such a certificate, so the openssl CLI makes one; skip without it.
        guard let generated = try runTool("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt",
                                                      "ec_paramgen_curve:P-256", "-out", key]) else { return }
        try #require(generated.status == 0, "\(generated.output)")
        let requested = try #require(try runTool("openssl", ["req", "-new", "-key", key, "-subj", subject,
                                                             "-out", request]))
        try #require(requested.status == 0, "\(requested.output)")
        let signed = try #require(try runTool("openssl", [
            "x509", "-req", "-in", request, "-CA", ca, "-CAkey", fleet.pkiPath + "/ca.key",
            "-set_serial", "4242", "-days", "1", "-out", certificate]))
        try #require(signed.status == 0, "\(signed.output)")

        let configuration = try TLSConfiguration.client(caCertificatePath: ca, certificatePath: certificate,
                                                        privateKeyPath: key)
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: configuration, serverName: "localhost")
        let outcome = runHandshake(client: client, server: server)
        guard case let .peerIdentityMissing(field, subjectText) = outcome.serverError else {
            Issue.record("expected peerIdentityMissing, got \(String(describing: outcome.serverError))")
            return
        }
        #expect(field.hasPrefix(missing))
        #expect(subjectText.contains("rogue") || missing == "CN")
        #expect(server.peerIdentity == nil)
        #expect(!server.isHandshakeComplete)
    }

    private func expectClientRejected(_ client: TLSEngine, outcome: HandshakeOutcome) throws {
        if outcome.clientError != nil { return }
        #expect(client.isHandshakeComplete)
        var buffer: [UInt8] = []
        #expect(throws: TLSError.self) { _ = try client.readPlaintext(into: &buffer, maxBytes: 1024) }
        #expect(buffer.isEmpty)
    }
}
