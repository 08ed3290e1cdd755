import Foundation
import Testing
import TestSupport

extension EndToEndTests {
    /// Artifacts from declaration to download: collection, refusals, upload with checksums,
    /// `flotilla artifacts list|get`, and `sha256sum -c` over what was downloaded.
    @Suite("Artifacts")
    struct ArtifactTests {
        static let junit = "<testsuite name=\"unit\" tests=\"1\"><testcase name=\"ok\"/></testsuite>"

        /// The run id `flotilla run` printed (`run ID: N jobs`).
        static func runID(_ stdout: String) -> String? {
            stdout.split(separator: "\n").first { $0.hasPrefix("run ") && $0.contains(": ") }
                .flatMap { $0.dropFirst(4).split(separator: ":").first.map(String.init) }
        }

        /// `name -> (size, sha256)` from `flotilla artifacts list --json` output.
        static func listed(_ json: String) throws -> [String: (size: Int, sha256: String)] {
            let document = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            let entries = document?["artifacts"] as? [[String: Any]] ?? []
            var result: [String: (Int, String)] = [:]
            for entry in entries {
                guard let name = entry["name"] as? String, let size = entry["size"] as? Int,
                      let sha = entry["sha256"] as? String else { continue }
                result[name] = (size, sha)
            }
            return result
        }

        /// Runs `sha256sum -c SHA256SUMS` in `directory`.
        static func checkSums(_ harness: FlotillaHarness, in directory: String) async throws -> (ChildProcess.Termination?, String) {
            let stem = harness.directory.file("logs/sha256sum-\(UUID().uuidString.prefix(8))")
            let process = try ChildProcess(executablePath: "/usr/bin/sha256sum", arguments: ["-c", "SHA256SUMS"],
                                           workingDirectory: directory, stdoutPath: stem + ".out", stderrPath: stem + ".err")
            let termination = await process.waitForExit(timeout: .seconds(60))
            return (termination, process.transcript)
        }

        @Test("embedded run: files are stored, refusals name their paths, list and get verify with sha256sum")
        func embeddedRoundTrip() async throws {
            let harness = try FlotillaHarness("artifacts-embedded")
            defer { harness.shutdown() }
            let source = try harness.directory.makeDirectory("source")
            try harness.directory.write("artifact test source\n", to: "source/README")
            let state = harness.directory.file("state")
            let pipeline = try harness.writePipeline("""
                name: artifacts
                jobs:
                  build:
                    runs-on: [local]
                    steps:
                      - name: Produce files
                        run: |
                          mkdir -p out/reports
                          printf '%s' '\(Self.junit)' > out/reports/junit.xml
                          head -c 300000 /dev/urandom > out/blob.bin
                          head -c 3000000 /dev/zero > out/huge.bin
                          ln -s /etc/passwd out/leak.txt
                          ln -s /etc escape
                          ln -s reports/junit.xml out/latest.xml
                    artifacts:
                      - path: out/reports/*.xml
                        kind: junit
                      - path: out/blob.bin
                      - path: out/latest.xml
                        name: latest-junit.xml
                      - path: out/leak.txt
                      - path: escape/passwd
                      - path: out/huge.bin
                """)

            let run = try await harness.run(["run", pipeline, "--source", source, "--state", state, "--agents", "1",
                                             "--max-artifact-bytes", "1M"], label: "run")

            #expect(run.termination == .exited(0), "\(run.transcript)")
            let out = run.stdout
            #expect(out.contains("artifact junit.xml: \(Self.junit.utf8.count) bytes, sha256 "), "\(out)")
            #expect(out.contains("from build (out/reports/junit.xml)"), "\(out)")
            #expect(out.contains("artifact blob.bin: 300000 bytes"), "\(out)")
            #expect(out.contains("artifact latest-junit.xml: \(Self.junit.utf8.count) bytes"), "\(out)")
            #expect(out.contains("artifact not collected: out/leak.txt (job build): is a symlink resolving outside the workspace"),
                    "\(out)")
            #expect(out.contains("artifact not collected: escape (job build): is a symlink resolving outside the workspace"),
                    "\(out)")
            #expect(out.contains("artifact not collected: out/huge.bin (job build): 3000000 bytes would exceed the per-job "
                                 + "artifact limit of 1048576 bytes"), "\(out)")
            // Artifacts are reported before the job ends.
            let lines = out.split(separator: "\n")
            let lastArtifact = lines.lastIndex { $0.hasPrefix("artifact ") }
            let succeeded = lines.firstIndex { $0.hasSuffix("build: succeeded") }
            #expect(lastArtifact != nil && succeeded != nil && lastArtifact! < succeeded!, "\(out)")
            let runID = try #require(Self.runID(out), "no run id in:\n\(out)")

            let list = try await harness.run(["artifacts", "list", runID, "--json", "--state", state], label: "list")
            #expect(list.termination == .exited(0), "\(list.transcript)")
            let records = try Self.listed(list.stdout)
            #expect(Set(records.keys) == ["junit.xml", "blob.bin", "latest-junit.xml"], "\(list.stdout)")
            #expect(records["blob.bin"]?.size == 300_000)
            #expect(records["junit.xml"]?.sha256 == records["latest-junit.xml"]?.sha256)

            let output = harness.directory.file("downloaded")
            let get = try await harness.run(["artifacts", "get", runID, "--all", "-o", output, "--state", state], label: "get")
            #expect(get.termination == .exited(0), "\(get.transcript)")
            let (sums, transcript) = try await Self.checkSums(harness, in: output)
            #expect(sums == .exited(0), "\(transcript)")
            #expect(transcript.contains("blob.bin: OK") && transcript.contains("junit.xml: OK"), "\(transcript)")
            #expect(harness.directory.read("downloaded/junit.xml") == Self.junit)

            // Damaged content in the store is caught while writing: exit 1 and nothing under its name.
            let blobSHA = try #require(records["blob.bin"]?.sha256)
            let stored = state + "/coordinator/artifacts/sha256/\(blobSHA.prefix(2))/\(blobSHA)"
            var damaged = try Data(contentsOf: URL(fileURLWithPath: stored))
            damaged[1_000] ^= 0xFF
            try damaged.write(to: URL(fileURLWithPath: stored))
            let bad = try await harness.run(["artifacts", "get", runID, "blob.bin", "-o", harness.directory.file("bad"),
                                             "--state", state], label: "get-damaged")
            #expect(bad.termination == .exited(1), "\(bad.transcript)")
            #expect(bad.stderr.contains("blob.bin: checksum mismatch"), "\(bad.transcript)")
            #expect(!FileManager.default.fileExists(atPath: harness.directory.file("bad/blob.bin")))

            let missing = try await harness.run(["artifacts", "get", runID, "nope.txt", "-o", harness.directory.file("none"),
                                                 "--state", state], label: "get-missing")
            #expect(missing.termination == .exited(2), "\(missing.transcript)")
            let unknownRun = try await harness.run(["artifacts", "list", "no-such-run", "--state", state], label: "list-unknown")
            #expect(unknownRun.termination == .exited(2), "\(unknownRun.transcript)")
        }

        @Test("fleet: a corrupted transmission is detected and retried; list and get go through the coordinator")
        func fleetRetryAndDownload() async throws {
            let harness = try FlotillaHarness("artifacts-fleet")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["alpha"])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            _ = try await harness.startAgent(name: "alpha", labels: ["linux"], pki: pki, port: port, coordinator: coordinator,
                                             extraArguments: ["--inject-artifact-corruption"])
            let source = try harness.directory.makeDirectory("source")
            try harness.directory.write("fleet artifact source\n", to: "source/README")
            let pipeline = try harness.writePipeline("""
                name: fleet-artifacts
                jobs:
                  numbers:
                    runs-on: [linux]
                    steps:
                      - run: seq 1 100000 > numbers.txt && echo small > small.txt
                    artifacts:
                      - path: "*.txt"
                """)
            let remote = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]

            let run = try await harness.run(["run", pipeline, "--source", source] + remote, label: "run")

            #expect(run.termination == .exited(0), "\(run.transcript)")
            let numbers = (1...100_000).map { "\($0)\n" }.joined()
            #expect(run.stdout.contains("artifact numbers.txt: \(numbers.utf8.count) bytes"), "\(run.stdout)")
            #expect(run.stdout.contains("artifact small.txt: 6 bytes"), "\(run.stdout)")
            #expect(coordinator.stderr.contains("artifact failed verification"), "\(coordinator.transcript)")
            #expect(coordinator.stderr.contains("checksum mismatch"), "\(coordinator.transcript)")
            let runID = try #require(Self.runID(run.stdout))

            let list = try await harness.run(["artifacts", "list", runID, "--json"] + remote, label: "list")
            #expect(list.termination == .exited(0), "\(list.transcript)")
            let records = try Self.listed(list.stdout)
            #expect(Set(records.keys) == ["numbers.txt", "small.txt"], "\(list.stdout)")
            #expect(records["numbers.txt"]?.size == numbers.utf8.count)

            let output = harness.directory.file("downloaded")
            let get = try await harness.run(["artifacts", "get", runID, "--all", "-o", output] + remote, label: "get")
            #expect(get.termination == .exited(0), "\(get.transcript)")
            let (sums, transcript) = try await Self.checkSums(harness, in: output)
            #expect(sums == .exited(0), "\(transcript)")
            #expect(harness.directory.read("downloaded/numbers.txt") == numbers)

            let missing = try await harness.run(["artifacts", "get", runID, "absent.txt", "-o", output] + remote,
                                                label: "get-missing")
            #expect(missing.termination == .exited(2), "\(missing.transcript)")
            let unreachable = try await harness.run(["artifacts", "list", runID, "--coordinator", "127.0.0.1:1", "--pki", pki,
                                                     "--name", "tester"], label: "list-unreachable")
            #expect(unreachable.termination == .exited(2), "\(unreachable.transcript)")
            #expect(coordinator.isRunning, "\(coordinator.transcript)")
        }

        @Test("a '..' artifact path is refused before anything runs, naming the path")
        func traversalRefused() async throws {
            let harness = try FlotillaHarness("artifacts-traversal")
            defer { harness.shutdown() }
            let pipeline = try harness.writePipeline("""
                jobs:
                  build:
                    runs-on: [local]
                    steps:
                      - run: echo hi
                    artifacts:
                      - path: ../../etc/passwd
                """)
            let run = try await harness.run(["run", pipeline, "--state", harness.directory.file("state"), "--agents", "1"],
                                            label: "run")
            #expect(run.termination == .exited(2), "\(run.transcript)")
            #expect(run.stderr.contains("'..' is not allowed in artifact paths"), "\(run.transcript)")
        }
    }
}
