import Foundation
import Testing

extension EndToEndTests {
    /// Input `flotilla` cannot act on: exit code 2 and a message that says what is wrong.
    @Suite("Bad input")
    struct BadInputTests {
        @Test("a YAML syntax error exits 2 with FILE:LINE:COL")
        func syntaxError() async throws {
            let harness = try FlotillaHarness("bad-syntax")
            defer { harness.shutdown() }
            let pipeline = try harness.writePipeline("""
                name: broken
                jobs:
                  build:
                    runs-on: [linux
                    steps:
                      - run: echo never
                """, name: "broken.yml")

            let result = try await harness.run(["run", pipeline, "--state", harness.directory.file("state")], label: "run")

            #expect(result.termination == .exited(2), "\(result.transcript)")
            let location = try #require(Self.location(in: result.output, file: pipeline), "no \(pipeline):LINE:COL in\n\(result.transcript)")
            // Line 4 opens the list that never closes; a parser may also report where it gave up.
            #expect((4...6).contains(location.line), "line \(location.line) does not point at the unclosed list")
            #expect(location.column >= 1)
        }

        @Test("a job whose labels no agent has exits 2 naming the label")
        func unknownLabel() async throws {
            let harness = try FlotillaHarness("bad-label")
            defer { harness.shutdown() }
            let pipeline = try harness.writePipeline("""
                jobs:
                  special:
                    runs-on: [linux, nosuchlabel]
                    steps:
                      - run: echo never
                """)

            let result = try await harness.run(["run", pipeline, "--state", harness.directory.file("state"),
                                                "--source", try harness.directory.makeDirectory("source")], label: "run")

            #expect(result.termination == .exited(2), "\(result.transcript)")
            #expect(result.output.contains("nosuchlabel"), "\(result.transcript)")
            #expect(!result.stdout.contains("running on"), "a job ran:\n\(result.stdout)")
        }

        @Test("an unreachable coordinator exits 2 saying so")
        func unreachableCoordinator() async throws {
            let harness = try FlotillaHarness("bad-unreachable")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: [])
            let pipeline = try harness.writePipeline(Self.trivialPipeline)

            // Port 1 on loopback: nothing listens there in any sane test environment.
            let result = try await harness.run(["run", pipeline, "--coordinator", "127.0.0.1:1", "--pki", pki,
                                                "--name", "tester", "--source", try harness.directory.makeDirectory("source")],
                                               label: "run")

            #expect(result.termination == .exited(2), "\(result.transcript)")
            #expect(result.stderr.contains("cannot reach coordinator at 127.0.0.1:1"), "\(result.transcript)")
        }

        @Test("a client certificate from another CA exits 2: the TLS handshake fails",
              arguments: [ForeignCredentials.wholeForeignPKI, .foreignCertificateTrustingFleetCA])
        func foreignClientCertificate(_ credentials: ForeignCredentials) async throws {
            let harness = try FlotillaHarness("bad-foreign-ca")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: [])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            let foreign = try await harness.makePKI(agents: [], clients: ["tester"], directoryName: "foreign-pki")
            let clientPKI: String
            switch credentials {
            case .wholeForeignPKI:
                clientPKI = foreign
            case .foreignCertificateTrustingFleetCA:
                // The client trusts the real coordinator, so only the coordinator can object.
                clientPKI = try harness.directory.makeDirectory("mixed-pki")
                for (from, to) in [(pki + "/ca.crt", "ca.crt"), (foreign + "/client-tester.crt", "client-tester.crt"),
                                   (foreign + "/client-tester.key", "client-tester.key")] {
                    try FileManager.default.copyItem(atPath: from, toPath: clientPKI + "/" + to)
                }
            }
            let pipeline = try harness.writePipeline(Self.trivialPipeline)

            let result = try await harness.run(["run", pipeline, "--coordinator", "127.0.0.1:\(port)", "--pki", clientPKI,
                                                "--name", "tester", "--source", try harness.directory.makeDirectory("source")],
                                               label: "run")

            #expect(result.termination == .exited(2), "\(result.transcript)")
            #expect(result.stderr.contains("TLS handshake with coordinator 127.0.0.1:\(port) failed"), "\(result.transcript)")
            #expect(result.stderr.contains("certificate"), "\(result.transcript)")
            #expect(coordinator.isRunning, "\(coordinator.transcript)")
        }

        @Test("flotilla agent without --name exits 2 with a usage message")
        func agentWithoutName() async throws {
            let harness = try FlotillaHarness("bad-agent-usage")
            defer { harness.shutdown() }

            let result = try await harness.run(["agent", "--coordinator", "127.0.0.1:1", "--pki", harness.directory.file("pki"),
                                                "--work-dir", harness.directory.file("work")], label: "agent")

            #expect(result.termination == .exited(2), "\(result.transcript)")
            #expect(result.stderr.contains("flotilla agent: missing --name"), "\(result.transcript)")
            #expect(result.stderr.contains("flotilla help"), "no pointer to the usage text:\n\(result.transcript)")
        }

        /// How the client's certificate is foreign to the fleet.
        enum ForeignCredentials: String, CustomStringConvertible, CaseIterable, Sendable {
            /// Another fleet's PKI directory altogether: the client also distrusts the coordinator.
            case wholeForeignPKI
            /// The fleet's CA certificate, but a client certificate another CA signed.
            case foreignCertificateTrustingFleetCA

            var description: String { rawValue }
        }

        static let trivialPipeline = """
            jobs:
              only:
                runs-on: [linux]
                steps:
                  - run: echo never
            """

        /// The first `FILE:LINE:COL` for `file` in `text`.
        static func location(in text: String, file: String) -> (line: Int, column: Int)? {
            for line in text.split(separator: "\n") {
                guard let range = line.range(of: file + ":") else { continue }
                let numbers = line[range.upperBound...].split(separator: ":", maxSplits: 2)
                guard numbers.count >= 2, let row = Int(numbers[0]), let column = Int(numbers[1]) else { continue }
                return (row, column)
            }
            return nil
        }
    }
}
