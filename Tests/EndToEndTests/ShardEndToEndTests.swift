import Testing

extension EndToEndTests {
    /// `shard:` at run time: `files:` globs expanded on the source snapshot, `list:` commands run
    /// as discovery jobs, and every test id run exactly once across the shards.
    @Suite("Sharding")
    struct ShardEndToEndTests {
        static let pipeline = """
            name: shards
            jobs:
              unit:
                runs-on: [local]
                shard:
                  count: 2
                  files: "tests/**/*_test.py"
                steps:
                  - run: cat "$FLOTILLA_SHARD_FILE"
                  - run: echo "shard $FLOTILLA_SHARD_INDEX of $FLOTILLA_SHARD_COUNT"
              test:
                runs-on: [local]
                shard:
                  count: 2
                  list: printf 't1\\nt2\\nt3\\nt4\\nt5\\n'
                steps:
                  - run: cat "$FLOTILLA_SHARD_FILE"
              report:
                needs: [unit, test]
                runs-on: [local]
                steps:
                  - run: echo "all shards passed"
            """
        static let testFiles = ["tests/a_test.py", "tests/b_test.py", "tests/deep/c_test.py", "tests/deep/d_test.py",
                                "tests/e_test.py"]

        /// The lines `flotilla run --verbose` printed for each shard job's log: `    NAME | LINE`.
        static func shardLines(_ stdout: String, job: String) -> [String: [String]] {
            var lines: [String: [String]] = [:]
            for line in stdout.split(separator: "\n").map(String.init) where line.hasPrefix("    \(job) (shard ") {
                guard let bar = line.range(of: " | ") else { continue }
                let name = String(line[line.index(line.startIndex, offsetBy: 4)..<bar.lowerBound])
                lines[name, default: []].append(String(line[bar.upperBound...]))
            }
            return lines
        }

        @Test("files: and list: shards run every test id exactly once, named 'JOB (shard i/N)'")
        func everyTestRunsOnce() async throws {
            let harness = try FlotillaHarness("shards")
            defer { harness.shutdown() }
            let pki = try await harness.makePKI(agents: ["alpha", "beta"])
            let (coordinator, port) = try await harness.startCoordinator(pki: pki)
            for agent in ["alpha", "beta"] {
                _ = try await harness.startAgent(name: agent, labels: ["linux", "local"], pki: pki, port: port,
                                                 coordinator: coordinator)
            }
            let source = try harness.directory.makeDirectory("source")
            for file in Self.testFiles + ["tests/helper.py", "README.md"] {
                try harness.directory.write("# \(file)\n", to: "source/" + file)
            }
            let pipeline = try harness.writePipeline(Self.pipeline)
            let remote = ["--coordinator", "127.0.0.1:\(port)", "--pki", pki, "--name", "tester"]

            // Twice on one coordinator: first it receives the bundle, then it already has it.
            for attempt in ["upload", "cached"] {
                let run = try await harness.run(["run", pipeline, "--source", source, "--verbose"] + remote,
                                                label: "run-\(attempt)")
                #expect(run.termination == .exited(0), "\(attempt): \(run.transcript)")
                let report = RunReport(run.stdout)
                for job in ["unit (shard 1/2)", "unit (shard 2/2)", "test (discover)", "test (shard 1/2)", "test (shard 2/2)",
                            "report"] {
                    #expect(report.row(job)?.status == "succeeded", "\(attempt) \(job):\n\(run.stdout)")
                }
                #expect(report.row("unit") == nil && report.row("test") == nil, "replaced jobs are gone:\n\(run.stdout)")
                #expect(report.rows.count == 6, "\(run.stdout)")
                #expect(run.stdout.contains("test: split into 2 shards: test (shard 1/2), test (shard 2/2)"), "\(run.stdout)")

                let unit = Self.shardLines(run.stdout, job: "unit")
                #expect(unit.values.flatMap { $0 }.filter { $0.hasPrefix("tests/") }.sorted() == Self.testFiles,
                        "\(attempt): every matching file once:\n\(run.stdout)")
                #expect(unit["unit (shard 1/2)"]?.contains("shard 0 of 2") == true, "\(run.stdout)")
                #expect(unit["unit (shard 2/2)"]?.contains("shard 1 of 2") == true, "\(run.stdout)")
                let test = Self.shardLines(run.stdout, job: "test")
                // Only the ids: the agent's own `step 1/1: …` lines are in the verbose log too.
                #expect(test.values.flatMap { $0 }.filter { $0.count == 2 && $0.hasPrefix("t") }.sorted() == ["t1", "t2", "t3", "t4", "t5"],
                        "\(attempt): every listed id once:\n\(run.stdout)")
                #expect(test.keys.sorted() == ["test (shard 1/2)", "test (shard 2/2)"])
                #expect(run.stdout.contains("report | all shards passed"), "\(run.stdout)")
            }
        }

        @Test("a failing list command fails the sharded job and says why")
        func failingDiscovery() async throws {
            let harness = try FlotillaHarness("shards-failing")
            defer { harness.shutdown() }
            let pipeline = try harness.writePipeline("""
                jobs:
                  test:
                    runs-on: [local]
                    shard:
                      count: 2
                      list: echo "no test runner here" >&2; exit 4
                    steps:
                      - run: cat "$FLOTILLA_SHARD_FILE"
                """)
            let source = try harness.directory.makeDirectory("source")
            let run = try await harness.run(["run", pipeline, "--source", source, "--state", harness.directory.file("state"),
                                             "--agents", "1"], label: "run")
            #expect(run.termination == .exited(1), "\(run.transcript)")
            let report = RunReport(run.stdout)
            #expect(report.row("test (discover)")?.status == "failed", "\(run.stdout)")
            #expect(report.row("test")?.status == "failed", "\(run.stdout)")
            #expect(run.stdout.contains("test: failed (test discovery 'test (discover)' failed: step 'discover tests' exited with 4)"),
                    "\(run.stdout)")
            #expect(run.stdout.contains("no test runner here"), "the discovery's log tail is shown:\n\(run.stdout)")
        }

        @Test("plan --shards shows the planned shards with predicted durations")
        func planShards() async throws {
            let harness = try FlotillaHarness("shards-plan")
            defer { harness.shutdown() }
            let source = try harness.directory.makeDirectory("source")
            for file in Self.testFiles { try harness.directory.write("x\n", to: "source/" + file) }
            let pipeline = try harness.writePipeline(Self.pipeline)
            let plan = try await harness.run(["plan", pipeline, "--shards", "--source", source], label: "plan")
            #expect(plan.termination == .exited(0), "\(plan.transcript)")
            let rows = plan.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            #expect(rows.prefix(4) == ["JOB SHARD NAME TESTS PREDICTED",
                                       "unit 1/2 unit (shard 1/2) 3 3.0 s",
                                       "unit 2/2 unit (shard 2/2) 2 2.0 s",
                                       "test - test (count 2) discovered at run time -"], "\(plan.stdout)")
            let usage = try await harness.run(["plan", pipeline, "--source", source], label: "plan-usage")
            #expect(usage.termination == .exited(2) && usage.stderr.contains("--source goes with --shards"), "\(usage.transcript)")
        }
    }
}
