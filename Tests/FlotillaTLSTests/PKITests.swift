import Foundation
import Testing
import FlotillaTLS

@Suite("PKI")
struct PKITests {
    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test("keys are 0600, certificates 0644, the directory 0700, and no temporary files remain")
    func fileModes() throws {
        let fleet = try Fleet()
        let directory = fleet.pkiPath
        #expect(try mode(directory) == 0o700)
        let agent = PKI.paths(directory: directory, role: "agent", name: Fleet.agentName)
        let coordinator = PKI.paths(directory: directory, role: "coordinator", name: "coordinator")
        #expect(coordinator.certificate == directory + "/coordinator.crt")
        #expect(coordinator.key == directory + "/coordinator.key")
        #expect(agent.certificate == directory + "/agent-builder-1.crt")
        #expect(agent.ca == directory + "/ca.crt")
        for key in [directory + "/ca.key", coordinator.key, agent.key] {
            #expect(try mode(key) == 0o600, "\(key)")
        }
        for certificate in [agent.ca, coordinator.certificate, agent.certificate] {
            #expect(try mode(certificate) == 0o644, "\(certificate)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names == ["agent-builder-1.crt", "agent-builder-1.key", "ca.crt", "ca.key",
                          "coordinator.crt", "coordinator.key"])
    }

    @Test("initialize refuses to replace an existing CA unless told to overwrite")
    func initializeTwice() throws {
        let fleet = try Fleet()
        let caPath = fleet.pkiPath + "/ca.crt"
        let before = try Data(contentsOf: URL(fileURLWithPath: caPath))
        #expect(throws: PKIError.caAlreadyExists(path: fleet.pkiPath + "/ca.key")) {
            try PKI.initialize(directory: fleet.pkiPath)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: caPath)) == before)

        try PKI.initialize(directory: fleet.pkiPath, overwrite: true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: caPath)) != before)
        // The agent's certificate came from the replaced CA, so it no longer verifies.
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: "localhost")
        let outcome = runHandshake(client: client, server: server)
        #expect(outcome.clientError != nil || outcome.serverError != nil)
    }

    @Test("bad names are refused", arguments: ["", String(repeating: "a", count: 65), "a/b", "bad name",
                                                "..", "ünïcode", "semi;colon"])
    func badNames(name: String) throws {
        let fleet = try Fleet()
        do {
            try PKI.issue(directory: fleet.pkiPath, role: "agent", name: name)
            Issue.record("issued a certificate for \"\(name)\"")
        } catch let error {
            guard case .invalidName(name, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
        }
    }

    @Test("names at the limits are accepted")
    func goodNames() throws {
        let fleet = try Fleet()
        for name in ["a", String(repeating: "z", count: 64), "Mac-mini_3.lan"] {
            try PKI.issue(directory: fleet.pkiPath, role: "client", name: name)
            let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
            let client = try TLSEngine(
                configuration: TLSConfiguration.forPeer(pkiDirectory: fleet.pkiPath, role: "client", name: name),
                serverName: "localhost")
            let outcome = runHandshake(client: client, server: server)
            #expect(outcome.serverError == nil)
            #expect(server.peerIdentity == PeerIdentity(role: "client", name: name))
        }
    }

    @Test("bad roles, bad hosts and host-less coordinators are refused")
    func badArguments() throws {
        let fleet = try Fleet()
        #expect(throws: PKIError.invalidRole("admin")) {
            try PKI.issue(directory: fleet.pkiPath, role: "admin", name: "x")
        }
        #expect(throws: PKIError.invalidHost("exa mple")) {
            try PKI.issue(directory: fleet.pkiPath, role: "agent", name: "x", hosts: ["exa mple"])
        }
        #expect(throws: PKIError.invalidHost("DNS:evil,IP:1.2.3.4")) {
            try PKI.issue(directory: fleet.pkiPath, role: "coordinator", name: "c2", hosts: ["DNS:evil,IP:1.2.3.4"])
        }
        #expect(throws: PKIError.noHosts(role: "coordinator", name: "c2")) {
            try PKI.issue(directory: fleet.pkiPath, role: "coordinator", name: "c2")
        }
        let fresh = TemporaryDirectory()
        #expect(throws: PKIError.noHosts(role: "coordinator", name: "coordinator")) {
            try PKI.initialize(directory: fresh.path, hosts: [])
        }
    }

    @Test("issue without a CA names the missing file")
    func issueWithoutCA() throws {
        let directory = TemporaryDirectory()
        do {
            try PKI.issue(directory: directory.path, role: "agent", name: "x")
            Issue.record("issued without a CA")
        } catch let error {
            guard case let .cannotLoad(_, path, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(path == directory.file("ca.crt"))
        }
    }

    @Test("certificates verify against the CA with the openssl CLI and carry the fleet extensions")
    func opensslVerify() throws {
        let fleet = try Fleet()
        let agent = PKI.paths(directory: fleet.pkiPath, role: "agent", name: Fleet.agentName)
        let coordinator = PKI.paths(directory: fleet.pkiPath, role: "coordinator", name: "coordinator")
        guard let verify = try runTool("openssl", ["verify", "-CAfile", agent.ca, "-purpose", "sslclient",
                                                   agent.certificate, coordinator.certificate]) else {
            return  // no openssl CLI on this machine; the handshake tests cover verification
        }
        #expect(verify.status == 0, "\(verify.output)")

        let ca = try #require(try runTool("openssl", ["x509", "-in", agent.ca, "-noout", "-text"]))
        #expect(ca.output.contains("CA:TRUE"))
        #expect(ca.output.contains("Certificate Sign, CRL Sign"))
        #expect(ca.output.contains("Subject: CN = Flotilla fleet CA "))
        #expect(ca.output.contains("Signature Algorithm: ecdsa-with-SHA256"))

        let leaf = try #require(try runTool("openssl", ["x509", "-in", coordinator.certificate, "-noout", "-text"]))
        #expect(leaf.output.contains("Subject: OU = coordinator, CN = coordinator"))
        #expect(leaf.output.contains("DNS:localhost"))
        #expect(leaf.output.contains("IP Address:127.0.0.1"))
        #expect(leaf.output.contains("IP Address:0:0:0:0:0:0:0:1"))
        #expect(leaf.output.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        #expect(leaf.output.contains("X509v3 Authority Key Identifier"))
        #expect(leaf.output.contains("X509v3 Subject Key Identifier"))
        #expect(leaf.output.contains("ASN1 OID: prime256v1"))

        let key = try #require(try runTool("openssl", ["pkey", "-in", agent.key, "-noout", "-text"]))
        #expect(key.status == 0)
        #expect(key.output.contains("prime256v1"))
    }

    @Test("re-issuing a peer replaces its certificate and the new one works")
    func reissue() throws {
        let fleet = try Fleet()
        let agent = PKI.paths(directory: fleet.pkiPath, role: "agent", name: Fleet.agentName)
        let before = try Data(contentsOf: URL(fileURLWithPath: agent.certificate))
        try PKI.issue(directory: fleet.pkiPath, role: "agent", name: Fleet.agentName)
        #expect(try Data(contentsOf: URL(fileURLWithPath: agent.certificate)) != before)
        let server = try TLSEngine(configuration: fleet.coordinatorConfiguration())
        let client = try TLSEngine(configuration: fleet.agentConfiguration(), serverName: "::1")
        let outcome = runHandshake(client: client, server: server)
        #expect(outcome.clientError == nil && outcome.serverError == nil)
    }
}
