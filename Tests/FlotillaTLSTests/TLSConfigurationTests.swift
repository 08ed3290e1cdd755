import Foundation
import Testing
import FlotillaTLS

@Suite("TLS configuration")
struct TLSConfigurationTests {
    @Test("forPeer gives the coordinator a server side and others a client side")
    func sides() throws {
        let fleet = try Fleet()
        #expect(try fleet.coordinatorConfiguration().side == .server)
        #expect(try fleet.agentConfiguration().side == .client)
    }

    @Test("a missing CA file names the file")
    func missingCA() throws {
        let fleet = try Fleet()
        let agent = PKI.paths(directory: fleet.pkiPath, role: "agent", name: Fleet.agentName)
        let missing = fleet.directory.file("absent-ca.crt")
        do {
            _ = try TLSConfiguration.server(caCertificatePath: missing, certificatePath: agent.certificate,
                                            privateKeyPath: agent.key)
            Issue.record("loading a missing CA file succeeded")
        } catch let error {
            guard case let .credentialLoadFailed(file, path, openSSL) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(file == .caCertificate)
            #expect(path == missing)
            #expect(!openSSL.isEmpty)
            #expect(error.description.contains(missing))
            #expect(!error.isPeerFault)
        }
    }

    @Test("an unknown peer in forPeer fails on its certificate path")
    func unknownPeer() throws {
        let fleet = try Fleet()
        let expected = PKI.paths(directory: fleet.pkiPath, role: "agent", name: "nobody").certificate
        do {
            _ = try TLSConfiguration.forPeer(pkiDirectory: fleet.pkiPath, role: "agent", name: "nobody")
            Issue.record("loading an unissued peer succeeded")
        } catch let error {
            guard case let .credentialLoadFailed(file, path, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(file == .certificate)
            #expect(path == expected)
        }
    }

    @Test("a key that does not belong to the certificate is refused")
    func keyMismatch() throws {
        let fleet = try Fleet()
        let agent = PKI.paths(directory: fleet.pkiPath, role: "agent", name: Fleet.agentName)
        let coordinator = PKI.paths(directory: fleet.pkiPath, role: "coordinator", name: "coordinator")
        do {
            _ = try TLSConfiguration.client(caCertificatePath: agent.ca, certificatePath: agent.certificate,
                                            privateKeyPath: coordinator.key)
            Issue.record("a mismatched key was accepted")
        } catch let error {
            guard case .keyDoesNotMatchCertificate(agent.certificate, coordinator.key, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
        }
    }

    @Test("a configuration is shared by engines on several threads")
    func sharedAcrossThreads() async throws {
        let fleet = try Fleet()
        let server = try fleet.coordinatorConfiguration()
        let client = try fleet.agentConfiguration()
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    guard let serverEngine = try? TLSEngine(configuration: server),
                          let clientEngine = try? TLSEngine(configuration: client, serverName: "localhost")
                    else { return false }
                    let outcome = runHandshake(client: clientEngine, server: serverEngine)
                    return outcome.clientError == nil && outcome.serverError == nil
                        && serverEngine.peerIdentity?.name == Fleet.agentName
                }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results == Array(repeating: true, count: 8))
    }
}
