import FlotillaCore
@testable import FlotillaStore
import TestSupport
import Testing
import WireProtocol

/// Benchmark samples for store tests: job `test` of runs inserted by `Samples.insertRun`.
enum BenchmarkSamples {
    static func sample(_ runID: String, metric: String = "parse", machineClass: String = "x86_64-8c", attempt: Int = 1,
                       iteration: Int, value: Double, purpose: BenchmarkSamplePurpose = .run, pipeline: String = "ci.yml",
                       job: String = "test", unit: String = "ms", lowerIsBetter: Bool = true,
                       revision: String? = nil) -> BenchmarkSampleRecord {
        BenchmarkSampleRecord(runID: runID, pipeline: pipeline, job: job, metric: metric, unit: unit,
                              lowerIsBetter: lowerIsBetter, machineClass: machineClass, agent: "agent-1",
                              revision: revision ?? "rev-\(runID)", attempt: attempt, iteration: iteration, value: value,
                              purpose: purpose, recordedAtMillis: 1_700_000_500_000)
    }

    /// `values.count` samples of one series for one run.
    static func series(_ runID: String, _ values: [Double], metric: String = "parse", machineClass: String = "x86_64-8c",
                       purpose: BenchmarkSamplePurpose = .run, attempt: Int = 1, pipeline: String = "ci.yml",
                       job: String = "test", unit: String = "ms", lowerIsBetter: Bool = true) -> [BenchmarkSampleRecord] {
        values.enumerated().map {
            sample(runID, metric: metric, machineClass: machineClass, attempt: attempt, iteration: $0.offset, value: $0.element,
                   purpose: purpose, pipeline: pipeline, job: job, unit: unit, lowerIsBetter: lowerIsBetter)
        }
    }
}

@Suite("Store: benchmark samples")
struct BenchmarkStoreTests {
    @Test func samplesRoundTripWithEveryField() throws {
        let fixture = try StoreFixture("bench")
        try Samples.insertRun(fixture.store, "r1")
        let samples = BenchmarkSamples.series("r1", [1.5, 2.25]) + BenchmarkSamples.series("r1", [9], purpose: .confirm, attempt: 2)
            + BenchmarkSamples.series("r1", [-0.5], metric: "alloc", machineClass: "arm", unit: "", lowerIsBetter: false)
        #expect(try fixture.store.recordBenchmarkSamples(samples) == 4)
        let stored = try fixture.reopen(mode: .readOnly).benchmarkSamples(runID: "r1")
        // Ordered by job, metric, machine class, purpose, attempt, iteration.
        #expect(stored == [samples[3], samples[2], samples[0], samples[1]])
        #expect(try fixture.store.benchmarkSamples(runID: "missing").isEmpty)
    }

    @Test func recordingIsIdempotentPerSampleKey() throws {
        let fixture = try StoreFixture("bench")
        try Samples.insertRun(fixture.store, "r1")
        let first = BenchmarkSamples.series("r1", [1, 2, 3])
        #expect(try fixture.store.recordBenchmarkSamples(first) == 3)
        #expect(try fixture.store.recordBenchmarkSamples(first) == 0)
        // Same key, other value: the first recording stays.
        var changed = first[0]
        changed.value = 100
        #expect(try fixture.store.recordBenchmarkSamples([changed]) == 0)
        // Another purpose, attempt or iteration is another sample.
        let more = [BenchmarkSamples.sample("r1", iteration: 0, value: 4, purpose: .confirm),
                    BenchmarkSamples.sample("r1", attempt: 2, iteration: 0, value: 5),
                    BenchmarkSamples.sample("r1", iteration: 3, value: 6)]
        #expect(try fixture.store.recordBenchmarkSamples(more) == 3)
        #expect(try fixture.store.benchmarkSamples(runID: "r1").map(\.value) == [4, 1, 2, 3, 6, 5])
    }

    @Test func aBadSampleStoresNothingOfItsBatch() throws {
        let fixture = try StoreFixture("bench")
        try Samples.insertRun(fixture.store, "r1")
        for bad in [Double.nan, .infinity, -.infinity] {
            let error = try #require(throws: StoreError.self) {
                try fixture.store.recordBenchmarkSamples([BenchmarkSamples.sample("r1", iteration: 0, value: 1),
                                                          BenchmarkSamples.sample("r1", iteration: 1, value: bad)])
            }
            #expect(error.kind == .constraint)
            #expect(error.message.contains("iteration 1"))
        }
        let negative = try #require(throws: StoreError.self) {
            try fixture.store.recordBenchmarkSamples([BenchmarkSamples.sample("r1", iteration: -1, value: 1)])
        }
        #expect(negative.kind == .constraint)
        let unknown = try #require(throws: StoreError.self) {
            try fixture.store.recordBenchmarkSamples([BenchmarkSamples.sample("r1", iteration: 0, value: 1),
                                                      BenchmarkSamples.sample("r1", iteration: 0, value: 1, job: "nope")])
        }
        #expect(unknown.kind == .notFound)
        #expect(unknown.message.contains("run r1 has no job nope"))
        let noRun = try #require(throws: StoreError.self) {
            try fixture.store.recordBenchmarkSamples([BenchmarkSamples.sample("r9", iteration: 0, value: 1)])
        }
        #expect(noRun.kind == .notFound)
        #expect(try fixture.store.benchmarkSamples(runID: "r1").isEmpty)
    }

    @Test func historyIsOnePointPerEarlierRunInSubmissionOrder() throws {
        let fixture = try StoreFixture("bench")
        let store = fixture.store
        // Submission order is insertion order, even when the clocks disagree.
        for (i, id) in ["a", "b", "c", "d", "e"].enumerated() {
            try Samples.insertRun(store, id, at: 1_700_000_000_000 - Int64(i) * 1000)
        }
        try store.recordBenchmarkSamples(BenchmarkSamples.series("a", [1, 2]) + BenchmarkSamples.series("b", [3])
            + BenchmarkSamples.series("d", [5, 6], attempt: 2) + BenchmarkSamples.series("d", [4], attempt: 1)
            + BenchmarkSamples.series("e", [7]))
        // Not part of the series: confirmations, other classes, metrics, jobs, pipelines.
        try store.recordBenchmarkSamples(BenchmarkSamples.series("b", [99], purpose: .confirm, attempt: 2)
            + BenchmarkSamples.series("c", [99], purpose: .confirm)
            + BenchmarkSamples.series("c", [99], machineClass: "arm", attempt: 2)
            + BenchmarkSamples.series("c", [99], metric: "other")
            + BenchmarkSamples.series("c", [99], job: "build")
            + BenchmarkSamples.series("c", [99], attempt: 3, pipeline: "nightly.yml"))
        try store.finishRun("b", outcome: .failed, at: 1_700_000_100_000)
        try store.finishRun("d", outcome: .cancelled, at: 1_700_000_100_000)

        func history(before: String?, limit: Int) throws -> [BenchmarkPoint] {
            try store.benchmarkHistory(pipeline: "ci.yml", job: "test", metric: "parse", machineClass: "x86_64-8c",
                                       before: before, limitRuns: limit)
        }
        let all = try history(before: nil, limit: 100)
        #expect(all.map(\.runID) == ["a", "b", "d", "e"])
        #expect(all.map(\.samples) == [[1, 2], [3], [4, 5, 6], [7]])
        #expect(all[0] == BenchmarkPoint(runID: "a", revision: "rev-a", submittedAtMillis: 1_700_000_000_000, samples: [1, 2]))
        #expect(all[2].submittedAtMillis == 1_700_000_000_000 - 3000)
        #expect(try history(before: "e", limit: 100).map(\.runID) == ["a", "b", "d"])
        #expect(try history(before: "d", limit: 100).map(\.runID) == ["a", "b"])
        #expect(try history(before: "c", limit: 1).map(\.runID) == ["b"])
        #expect(try history(before: "a", limit: 100).isEmpty)
        #expect(try history(before: nil, limit: 2).map(\.runID) == ["d", "e"])
        #expect(try history(before: nil, limit: 0).isEmpty)
        let error = try #require(throws: StoreError.self) { try history(before: "zz", limit: 5) }
        #expect(error.kind == .notFound)
    }

    @Test func seriesAreDistinctAndDescribedByTheirNewestSample() throws {
        let fixture = try StoreFixture("bench")
        let store = fixture.store
        try Samples.insertRun(store, "a")
        try Samples.insertRun(store, "b")
        try Samples.insertRun(store, "c")
        // One attempt runs on one machine; a retry may land on another class.
        try store.recordBenchmarkSamples(BenchmarkSamples.series("a", [1, 2], unit: "ms")
            + BenchmarkSamples.series("a", [1], metric: "rate", unit: "op/s", lowerIsBetter: false)
            + BenchmarkSamples.series("a", [1], machineClass: "arm", attempt: 2)
            + BenchmarkSamples.series("c", [1], pipeline: "nightly.yml")
            + BenchmarkSamples.series("a", [1], job: "build"))
        try store.recordBenchmarkSamples(BenchmarkSamples.series("b", [1], unit: "s"))
        let keys = try store.benchmarkSeries(pipeline: nil, job: "test")
        #expect(keys == [
            BenchmarkSeriesKey(pipeline: "ci.yml", job: "test", metric: "parse", unit: "ms", lowerIsBetter: true, machineClass: "arm"),
            BenchmarkSeriesKey(pipeline: "ci.yml", job: "test", metric: "parse", unit: "s", lowerIsBetter: true, machineClass: "x86_64-8c"),
            BenchmarkSeriesKey(pipeline: "ci.yml", job: "test", metric: "rate", unit: "op/s", lowerIsBetter: false, machineClass: "x86_64-8c"),
            BenchmarkSeriesKey(pipeline: "nightly.yml", job: "test", metric: "parse", unit: "ms", lowerIsBetter: true, machineClass: "x86_64-8c"),
        ])
        #expect(try store.benchmarkSeries(pipeline: "nightly.yml", job: "test").count == 1)
        #expect(try store.benchmarkSeries(pipeline: nil, job: "build").map(\.metric) == ["parse"])
        #expect(try store.benchmarkSeries(pipeline: nil, job: "nope").isEmpty)
    }

    @Test func aVersionOneDatabaseUpgradesAndKeepsItsRuns() throws {
        let directory = try TemporaryDirectory(prefix: "flotilla-bench-migrate")
        let old = try CoordinatorStore(stateDirectory: directory.path, mode: .readWrite, busyTimeoutMillis: 1000,
                                       migrations: Array(Schema.migrations.prefix(1)))
        #expect(try old.storedSchemaVersion() == 1)
        try Samples.insertRun(old, "r1")
        try old.finishRun("r1", outcome: .succeeded, at: 1_700_000_100_000)
        #expect(throws: StoreError.self) { try old.db.execute("SELECT count(*) FROM benchmark_samples") }
        old.close()

        // A read-only open cannot migrate; a coordinator's read-write open does.
        let refused = try #require(throws: StoreError.self) {
            try CoordinatorStore(stateDirectory: directory.path, mode: .readOnly)
        }
        #expect(refused.kind == .schema)
        let upgraded = try CoordinatorStore(stateDirectory: directory.path)
        #expect(try upgraded.storedSchemaVersion() == 2)
        #expect(try upgraded.run("r1")?.outcome == .succeeded)
        #expect(try upgraded.jobs(ofRun: "r1").count == 2)
        #expect(try upgraded.integrityCheck() == ["ok"])
        #expect(try upgraded.recordBenchmarkSamples(BenchmarkSamples.series("r1", [1, 2])) == 2)
        #expect(try upgraded.benchmarkHistory(pipeline: "ci.yml", job: "test", metric: "parse", machineClass: "x86_64-8c",
                                              before: nil, limitRuns: 10).map(\.samples) == [[1, 2]])
        upgraded.close()
        #expect(try CoordinatorStore(stateDirectory: directory.path, mode: .readOnly).storedSchemaVersion() == 2)
    }
}
