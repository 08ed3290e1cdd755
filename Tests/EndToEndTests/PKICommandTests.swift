#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

extension EndToEndTests {
    /// `flotilla pki`: private keys readable only by their owner, and no silent CA replacement.
    @Suite("PKI command")
    struct PKICommandTests {
        @Test("pki init and issue write private keys with mode 0600")
        func keysAreOwnerOnly() async throws {
            let harness = try FlotillaHarness("pki-modes")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["alpha"], clients: ["tester"])

            for key in ["ca.key", "coordinator.key", "agent-alpha.key", "client-tester.key"] {
                #expect(try Self.permissions(pki + "/" + key) == 0o600, "\(key)")
            }
            for certificate in ["ca.crt", "coordinator.crt", "agent-alpha.crt", "client-tester.crt"] {
                #expect(try Self.permissions(pki + "/" + certificate) & 0o077 == 0o044, "\(certificate) should be world-readable")
            }
            #expect(try Self.permissions(pki) == 0o700, "the PKI directory itself")
        }

        @Test("pki init refuses to overwrite an existing CA")
        func initRefusesOverwrite() async throws {
            let harness = try FlotillaHarness("pki-overwrite")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: [], clients: [])
            let before = try #require(FileManager.default.contents(atPath: pki + "/ca.key"))
            let certificateBefore = try #require(FileManager.default.contents(atPath: pki + "/ca.crt"))

            let result = try await harness.run(["pki", "init", "--dir", pki], label: "pki-init-again")

            #expect(result.termination == .exited(2), "\(result.transcript)")
            #expect(result.stderr.contains("already exists"), "\(result.transcript)")
            #expect(FileManager.default.contents(atPath: pki + "/ca.key") == before, "ca.key changed")
            #expect(FileManager.default.contents(atPath: pki + "/ca.crt") == certificateBefore, "ca.crt changed")
        }

        private static func permissions(_ path: String) throws -> mode_t {
            var info = stat()
            guard stat(path, &info) == 0 else { throw HarnessError("stat \(path): \(String(cString: strerror(errno)))") }
            return info.st_mode & 0o777
        }
    }
}
