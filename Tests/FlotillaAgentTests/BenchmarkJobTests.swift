import Foundation
import Testing
import FlotillaCore
import TestSupport
import WireProtocol
@testable import FlotillaAgent

@Suite("Job runner: benchmark jobs")
struct BenchmarkJobTests {
    private static func benchmarkJob(_ steps: [StepSpec], repeatCount: UInt32, warmup: UInt32) -> JobAssignment {
        var job = assignment(steps)
        job.benchmark = BenchmarkSettings(repeatCount: repeatCount, warmup: warmup)
        return job
    }

    /// Runs a job and checks what holds for every benchmark run: jobStarted first, jobFinished
    /// last and once, every metricSamples before it, log sequence contiguous.
    private static func run(_ job: JobAssignment, work: TemporaryDirectory) async -> JobRun {
        let recorder = Recorder<JobRunnerEvent>()
        let finished = await makeRunner(job, work: work, recorder: recorder).run()
        let run = JobRun(finished: finished, events: recorder.all)
        #expect(run.events.first == .jobStarted(JobStarted(job: testJob)))
        #expect(run.events.last == .jobFinished(finished))
        #expect(run.events.filter { if case .jobFinished = $0 { true } else { false } }.count == 1)
        #expect(run.chunks.map(\.sequence) == Array(0..<UInt64(run.chunks.count)))
        return run
    }

    private static func samples(_ run: JobRun) -> [MetricSamples] {
        run.events.compactMap { if case .metricSamples(let s) = $0 { return s } else { return nil } }
    }

    @Test func warmupIsDiscardedAndEachMeasuredIterationReportsBothKindsOfMetric() async throws {
        let work = try TemporaryDirectory()
        let job = Self.benchmarkJob([
            StepSpec(name: "env", run: #"""
                echo "iteration=$FLOTILLA_BENCHMARK_ITERATION warmup=$FLOTILLA_BENCHMARK_WARMUP"
                case "$FLOTILLA_METRICS" in "$FLOTILLA_WORKSPACE"/*) echo "metrics file inside the checkout"; exit 1;; esac
                test -f "$FLOTILLA_METRICS" && test ! -s "$FLOTILLA_METRICS"
                """#),
            StepSpec(name: "measure", run: #"""
                i=$FLOTILLA_BENCHMARK_ITERATION
                echo "::metric name=\"parse time\" unit=ms value=$((i * 10)).5"
                echo "::metric value=$i lower_is_better=false unit= name=throughput" >&1
                echo "::metric name=on-stderr unit=ms value=1" >&2
                printf '{"name": "rss", "unit": "MiB", "value": %d, "extra": [1]}\n\n' "$((i + 100))" >> "$FLOTILLA_METRICS"
                printf '{"name": "score", "unit": "", "value": 2.5e1, "lower_is_better": false}\n' >> "$FLOTILLA_METRICS"
                """#),
        ], repeatCount: 3, warmup: 1)
        let run = await Self.run(job, work: work)
        #expect(run.finished.outcome == .success, "\(run.log(.system))")

        let samples = Self.samples(run)
        #expect(samples.map(\.iteration) == [1, 2, 3])
        #expect(samples.allSatisfy { $0.job == testJob })
        for (index, sample) in samples.enumerated() {
            let i = Double(index + 2) // measured iteration k is overall iteration k + warmup
            #expect(sample.metrics == [
                MetricSample(name: "parse time", unit: "ms", value: i * 10 + 0.5, lowerIsBetter: true),
                MetricSample(name: "throughput", unit: "", value: i, lowerIsBetter: false),
                MetricSample(name: "rss", unit: "MiB", value: i + 100, lowerIsBetter: true),
                MetricSample(name: "score", unit: "", value: 25, lowerIsBetter: false),
            ])
        }
        // Every iteration ran both steps, in order, and its metrics came after its last step.
        let kinds = run.events.compactMap { event -> String? in
            switch event {
            case .stepFinished(let step): "step-\(step.stepIndex)"
            case .metricSamples(let s): "metrics\(s.iteration)"
            default: nil
            }
        }
        #expect(kinds == ["step-0", "step-1", "step-0", "step-1", "metrics1", "step-0", "step-1", "metrics2",
                          "step-0", "step-1", "metrics3"])
        #expect(run.log(.stdout, step: 0) == (1...4).map { "iteration=\($0) warmup=\($0 == 1 ? 1 : 0)\n" }.joined())
        // Metric lines stay in the log.
        #expect(run.log(.stdout, step: 1).contains("::metric name=\"parse time\" unit=ms value=10.5\n"))
        #expect(run.log(.system).contains("benchmark iteration 1/4 (warm-up 1/1)"))
        #expect(run.log(.system).contains("benchmark iteration 4/4 (measured 3/3)"))
    }

    @Test func aMalformedMetricLineFailsTheJobNamingStepAndLine() async throws {
        let work = try TemporaryDirectory()
        let job = Self.benchmarkJob([
            StepSpec(name: "bench", run: "echo warming; echo '::metric name=t unit=ms value=fast'; echo after"),
            StepSpec(name: "never", run: "echo should-not-run"),
        ], repeatCount: 2, warmup: 0)
        let run = await Self.run(job, work: work)
        #expect(run.finished.outcome == .failure)
        #expect(Self.samples(run).isEmpty)
        #expect(run.outcomes == [.success, .skipped], "one iteration only; the later step is skipped")
        #expect(run.log(.system).contains(
            "benchmark failed: malformed metric: step 1/2 (bench): stdout line 2: value 'fast' of metric 't' is not a finite decimal number"))
    }

    @Test func aMalformedMetricsFileLineFailsTheJob() async throws {
        let work = try TemporaryDirectory()
        let job = Self.benchmarkJob([
            StepSpec(name: "bench", run: #"echo '::metric name=t unit=ms value=1'; printf '{"name": "t", "unit": "ms", "value": 1}\n{"name": "u"}\n' > "$FLOTILLA_METRICS""#),
        ], repeatCount: 1, warmup: 0)
        let run = await Self.run(job, work: work)
        #expect(run.finished.outcome == .failure)
        #expect(Self.samples(run).isEmpty)
        #expect(run.log(.system).contains("line 2: \"unit\" of metric 'u' must be a string"))
    }

    @Test func aMeasuredIterationWithoutMetricsFailsTheJob() async throws {
        let work = try TemporaryDirectory()
        // Warm-up iterations need no metrics; the first measured one does.
        let job = Self.benchmarkJob([
            StepSpec(name: "bench", run: #"if [ "$FLOTILLA_BENCHMARK_WARMUP" = 0 ]; then echo no metrics here; else echo '::metric name=t unit=ms value=1'; fi"#),
        ], repeatCount: 3, warmup: 2)
        let run = await Self.run(job, work: work)
        #expect(run.finished.outcome == .failure && run.finished.exitCode == -1)
        #expect(Self.samples(run).isEmpty)
        #expect(run.stepResults.count == 3, "two warm-up iterations and the first measured one")
        #expect(run.log(.system).contains("benchmark iteration 3 (measured 1/3) reported no metric"))
    }

    @Test func anOversizedMetricsFileFailsTheJob() async throws {
        let work = try TemporaryDirectory()
        let job = Self.benchmarkJob([
            StepSpec(name: "bench", run: #"echo '::metric name=t unit=ms value=1'; head -c 1048577 /dev/zero | tr '\0' ' ' > "$FLOTILLA_METRICS""#),
        ], repeatCount: 1, warmup: 0)
        let run = await Self.run(job, work: work)
        #expect(run.finished.outcome == .failure)
        #expect(run.log(.system).contains("holds more than 1048576 bytes (1 MiB)"))
    }

    @Test func aFailingStepStopsTheIterations() async throws {
        let work = try TemporaryDirectory()
        let job = Self.benchmarkJob([
            StepSpec(name: "bench", run: #"echo '::metric name=t unit=ms value=1'; [ "$FLOTILLA_BENCHMARK_ITERATION" -lt 2 ] || exit 7"#),
        ], repeatCount: 5, warmup: 0)
        let run = await Self.run(job, work: work)
        #expect(run.finished.outcome == .failure && run.finished.exitCode == 7)
        #expect(Self.samples(run).map(\.iteration) == [1])
        #expect(run.outcomes == [.success, .failure])
    }

    @Test func anOrdinaryJobTreatsMetricLinesAsText() async throws {
        let work = try TemporaryDirectory()
        let run = await runJob(assignment([
            StepSpec(name: "print", run: #"echo '::metric name=t unit=ms value=oops'; echo "[${FLOTILLA_METRICS-unset}]""#),
        ]), work: work)
        #expect(run.finished.outcome == .success)
        #expect(Self.samples(run).isEmpty)
        #expect(run.log(.stdout) == "::metric name=t unit=ms value=oops\n[unset]\n")
    }

    @Test func theCollectorJoinsLinesSplitAcrossWritesAndBoundsLongLines() {
        let collector = BenchmarkMetricCollector()
        collector.beginStep("step 1/1 (x)")
        for piece in ["::met", "ric name=a unit=s val", "ue=1\nplain ", "text\n::metric name=b unit=s value=2"] {
            collector.write(Array(piece.utf8))
        }
        collector.endStep()
        #expect(collector.readings.map(\.name) == ["a", "b"])
        #expect(collector.failure == nil)

        collector.beginStep("step 1/1 (x)")
        collector.write(Array(repeating: UInt8(ascii: "x"), count: BenchmarkMetricCollector.maxLineBytes + 10) + Array("\n".utf8))
        collector.write(Array(("::metric name=c unit= value=3\n::metric " + String(repeating: "y", count: BenchmarkMetricCollector.maxLineBytes)).utf8))
        collector.endStep()
        #expect(collector.readings.map(\.name) == ["a", "b", "c"], "an overlong plain line is skipped")
        #expect(collector.failure == "step 1/1 (x): stdout line 3: a ::metric line longer than 65536 bytes")
    }
}
