import Testing
import FlotillaCore

@Suite("Pipeline: benchmark jobs")
struct BenchmarkPipelineTests {
    private static func yaml(_ benchmark: String, extra: String = "") -> String {
        """
        jobs:
          bench:
            runs-on: linux
        \(benchmark)\(extra)
            steps:
              - run: make bench
        """
    }

    private static func firstError(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        diagnostics(yaml, sourceLocation: sourceLocation).first { $0.severity == .error }.map { "\($0.line):\($0.column): \($0.message)" } ?? "none"
    }

    @Test func repeatAndWarmupAreReadAndPlanned() throws {
        let planned = try #require(plan(Self.yaml("    benchmark: {repeat: 12, warmup: 0}")))
        #expect(planned.jobs[0].benchmark == BenchmarkSpec(repeatCount: 12, warmup: 0))
        #expect(planned.jobs[0].benchmark?.totalIterations == 12)
    }

    @Test func omittedValuesTakeTheDefaults() throws {
        #expect(plan(Self.yaml("    benchmark: {}"))?.jobs[0].benchmark == BenchmarkSpec(repeatCount: 5, warmup: 1))
        #expect(plan(Self.yaml("    benchmark:\n      warmup: 3"))?.jobs[0].benchmark == BenchmarkSpec(repeatCount: 5, warmup: 3))
        #expect(plan(Self.yaml("    benchmark: {repeat: 1000, warmup: 100}"))?.jobs[0].benchmark == BenchmarkSpec(repeatCount: 1000, warmup: 100))
        #expect(plan(Self.yaml(""))?.jobs[0].benchmark == nil)
    }

    @Test func everyMatrixCombinationIsABenchmark() throws {
        let planned = try #require(plan(Self.yaml("    benchmark: {repeat: 3}", extra: "\n    strategy:\n      matrix:\n        n: [1, 2]")))
        #expect(planned.jobs.map(\.benchmark) == [BenchmarkSpec(repeatCount: 3, warmup: 1), BenchmarkSpec(repeatCount: 3, warmup: 1)])
    }

    @Test(arguments: [
        ("    benchmark: {repeat: 0}", "4:25: invalid 'jobs.bench.benchmark.repeat': expected a whole number of measured iterations from 1 to 1000, found number 0"),
        ("    benchmark: {repeat: 1001}", "4:25: invalid 'jobs.bench.benchmark.repeat': expected a whole number of measured iterations from 1 to 1000, found number 1001"),
        ("    benchmark: {repeat: 2.5}", "4:25: invalid 'jobs.bench.benchmark.repeat': expected a whole number of measured iterations from 1 to 1000, found number 2.5"),
        ("    benchmark: {repeat: \"5\"}", "4:25: invalid 'jobs.bench.benchmark.repeat': expected a whole number of measured iterations from 1 to 1000, found string '5'"),
        ("    benchmark: {warmup: 101}", "4:25: invalid 'jobs.bench.benchmark.warmup': expected a whole number of warm-up iterations from 0 to 100, found number 101"),
        ("    benchmark: {warmup: -1}", "4:25: invalid 'jobs.bench.benchmark.warmup': expected a whole number of warm-up iterations from 0 to 100, found number -1"),
        ("    benchmark: {repeat: '${{ matrix.n }}'}", "4:25: invalid 'jobs.bench.benchmark.repeat': expressions are not supported here; expected a whole number of measured iterations from 1 to 1000"),
        ("    benchmark: {repeats: 5}", "4:17: unknown key 'repeats' in 'jobs.bench.benchmark'; allowed keys: repeat, warmup"),
        ("    benchmark: true", "4:16: jobs.bench.benchmark: expected a mapping with 'repeat' and 'warmup' (for example {repeat: 5, warmup: 1}), found boolean true"),
        ("    benchmark: [5, 1]", "4:16: jobs.bench.benchmark: expected a mapping with 'repeat' and 'warmup' (for example {repeat: 5, warmup: 1}), found a list"),
    ])
    func badValuesAreErrorsAtTheirPosition(_ text: String, _ expected: String) {
        #expect(Self.firstError(Self.yaml(text)) == expected)
    }

    @Test func aBenchmarkCannotBeSharded() {
        let yaml = Self.yaml("    benchmark: {repeat: 3}", extra: "\n    shard: {count: 2, files: 'tests/*.py'}")
        #expect(Self.firstError(yaml) == "4:5: job 'bench' has both 'benchmark' and 'shard'; a benchmark job runs whole on one machine, so it cannot be sharded")
    }

    @Test func planJSONCarriesTheBenchmarkOnlyForBenchmarkJobs() throws {
        let yaml = """
        jobs:
          build:
            runs-on: linux
            steps:
              - run: make
          bench:
            runs-on: linux
            benchmark: {repeat: 7, warmup: 2}
            steps:
              - run: make bench
        """
        let planned = try #require(plan(yaml))
        #expect(PlanRenderer.json(planned) == #"{"jobs": [{"id": "build", "job": "build", "name": "build", "matrix": {}, "runs_on": ["linux"], "needs": [], "steps": 1}, "#
                + #"{"id": "bench", "job": "bench", "name": "bench", "matrix": {}, "runs_on": ["linux"], "needs": [], "steps": 1, "benchmark": {"repeat": 7, "warmup": 2}}]}"#)
        #expect(PlanRenderer.table(planned).split(separator: "\n").last == "bench  bench  linux    -      1 (bench 2+7)")
    }
}
