import Foundation
import Testing

extension EndToEndTests {
    /// Issue 7's acceptance: benchmark jobs on two agents of different machine classes; stable
    /// runs pass, a 30% slowdown is re-run to confirm it and then fails the performance gate.
    @Suite("Benchmark performance gate")
    struct BenchmarkGateEndToEndTests {
        @Test("a benchmark job runs alone on its agent: another job that would fit a free slot runs before or after it")
        func benchmarkRunsAlone() async throws {
            let harness = try FlotillaHarness("bench-alone")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["solo"])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            _ = try await harness.startAgent(name: "solo", labels: ["linux"], pki: pki, port: port, coordinator: coordinator,
                                             extraArguments: ["--capacity", "2"])
            let spans = harness.directory.file("spans.log")
            // Each job writes "NAME start NS" and "NAME end NS"; with two slots they would overlap.
            let pipeline = try harness.writePipeline("""
                jobs:
                  bench:
                    runs-on: [linux]
                    benchmark: {repeat: 3, warmup: 0}
                    steps:
                      - run: |
                          echo "bench start $(date +%s%N)" >> '\(spans)'
                          sleep 0.3
                          echo "::metric name=t unit=s value=0.3"
                          echo "bench end $(date +%s%N)" >> '\(spans)'
                  side:
                    runs-on: [linux]
                    steps:
                      - run: |
                          echo "side start $(date +%s%N)" >> '\(spans)'
                          sleep 0.9
                          echo "side end $(date +%s%N)" >> '\(spans)'
                """)
            let result = try await harness.run(["run", pipeline, "--source", try harness.directory.makeDirectory("src"),
                                                "--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"],
                                               label: "run")
            #expect(result.termination == .exited(0), "\(result.transcript)")
            let lines = ((try? String(contentsOfFile: spans, encoding: .utf8)) ?? "").split(separator: "\n")
            func times(_ job: String) -> [UInt64] {
                lines.filter { $0.hasPrefix(job + " ") }.compactMap { $0.split(separator: " ").last.flatMap { UInt64($0) } }
            }
            let bench = times("bench"), side = times("side")
            try #require(bench.count == 6 && side.count == 2, "\(lines)")
            let benchSpan = bench.min()!...bench.max()!, sideSpan = side.min()!...side.max()!
            #expect(!benchSpan.overlaps(sideSpan), "the other job ran while the benchmark did: \(lines)")
        }

        @Test("stable runs pass; a 30% slowdown on one class is confirmed by a re-run and fails the gate, naming the metric")
        func slowdownFailsTheGate() async throws {
            let harness = try FlotillaHarness("bench-gate")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["fast-1", "slow-1"])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            for (name, machineClass) in [("fast-1", "fast"), ("slow-1", "slow")] {
                _ = try await harness.startAgent(name: name, labels: ["linux", machineClass], pki: pki, port: port,
                                                 coordinator: coordinator, extraArguments: ["--machine-class", machineClass])
            }
            // The factor the "fast" class's latency is multiplied by; the test changes it.
            let factorFile = try harness.directory.write("1.0\n", to: "factor")
            let pipeline = try harness.writePipeline("""
                jobs:
                  bench:
                    strategy:
                      matrix:
                        class: [fast, slow]
                    runs-on: [linux, "${{ matrix.class }}"]
                    benchmark: {repeat: 6, warmup: 1}
                    steps:
                      - name: Measure
                        run: |
                          base=100; [ "${{ matrix.class }}" = slow ] && base=250
                          factor=1.0; [ "${{ matrix.class }}" = fast ] && factor=$(cat '\(factorFile)')
                          # ±2% noise, different in every iteration and run.
                          noise=$(( RANDOM % 41 - 20 ))
                          latency=$(awk -v b=$base -v f=$factor -v n=$noise 'BEGIN { printf "%.3f", b * f * (1 + n / 1000) }')
                          echo "::metric name=latency unit=ms value=$latency"
                          awk -v l=$latency 'BEGIN { printf "{\\"name\\": \\"throughput\\", \\"unit\\": \\"ops/s\\", \\"value\\": %.3f, \\"lower_is_better\\": false}\\n", 100000 / l }' >> "$FLOTILLA_METRICS"
                gates:
                  - {name: speed, kind: performance, max-regression: 20%, min-effect: 5%}
                """)
            let source = try harness.directory.makeDirectory("source")
            let endpoint = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]
            func run(_ label: String) async throws -> (FlotillaHarness.Finished, [String: Any]) {
                let json = harness.directory.file("\(label).json")
                let result = try await harness.run(["run", pipeline, "--source", source, "--json", json] + endpoint, label: label)
                let data = (try? Data(contentsOf: URL(fileURLWithPath: json))) ?? Data()
                return (result, (try? JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:])
            }

            // A baseline: six stable runs pass (the first ones have no baseline yet and say so).
            for i in 1...6 {
                let (result, verdict) = try await run("stable-\(i)")
                #expect(result.termination == .exited(0), "\(result.transcript)")
                #expect(verdict["verdict"] as? String == "pass", "\(verdict)")
            }

            try "1.3\n".write(toFile: factorFile, atomically: true, encoding: .utf8)
            let (slow, verdict) = try await run("slowdown")
            #expect(slow.termination == .exited(1), "\(slow.transcript)")
            let gates = verdict["gates"] as? [[String: Any]] ?? []
            let speed = gates.first { $0["name"] as? String == "speed" }
            #expect(speed?["status"] as? String == "fail", "\(verdict)")
            let detail = speed?["detail"] as? String ?? ""
            let lines = detail.split(separator: "\n")
            let fastLatency = lines.first { $0.contains("latency (ms) on class fast") } ?? ""
            #expect(fastLatency.contains("confirmed by a re-run") && fastLatency.contains("above max-regression"),
                    "the detail names metric, class, effect and confirmation: \(detail)")
            let slowLatency = lines.first { $0.contains("latency (ms) on class slow") } ?? ""
            #expect(slowLatency.contains("no significant regression"), "the slow class did not change: \(detail)")
            let jobs = (verdict["jobs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(jobs.contains("bench-fast-confirm") && !jobs.contains("bench-slow-confirm"),
                    "only the suspicious series was re-run: \(jobs)")
        }
    }
}
